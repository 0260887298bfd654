"""areas awaiting the matching loop

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from baolei_common.timecol import UTCDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('matching_dirty',
                    sa.Column('area', sa.String(length=260), nullable=False),
                    sa.Column('marked_at', UTCDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('area'))
    op.create_index('ix_matching_dirty_marked_at', 'matching_dirty', ['marked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_matching_dirty_marked_at', table_name='matching_dirty')
    op.drop_table('matching_dirty')
