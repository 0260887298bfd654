"""index for the matching-backlog watch

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:30:00

Each process asks twice a second for the oldest need still `submitted` (backlog.py); with
(status, created_at) that is one index probe instead of a scan of every need.
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_needs_status_created", "needs", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_needs_status_created", table_name="needs")
