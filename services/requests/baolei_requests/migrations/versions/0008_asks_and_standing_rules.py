"""asks for capacity and standing rules (issue 18)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 21:05:00

The command center asks a named organisation for buses, shifts or rooms, and the organisation
answers in the console (`asks`); an organisation may confirm proposals for its resources
automatically (`standing_rules`).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

def upgrade() -> None:
    op.create_table(
        "asks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("cause", sa.String(60), nullable=False, server_default=""),
        sa.Column("organisation", sa.String(100), nullable=False),
        sa.Column("resource_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("risk", sa.String(30), nullable=False, server_default=""),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False, server_default=""),
        sa.Column("text_en", sa.Text(), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("asked_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("resources", sa.JSON(), nullable=False),
    )
    op.create_index("ix_asks_org_status", "asks", ["organisation", "status"])
    op.create_table(
        "standing_rules",
        sa.Column("organisation", sa.String(100), primary_key=True),
        sa.Column("auto_confirm", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("set_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )

def downgrade() -> None:
    op.drop_table("standing_rules")
    op.drop_index("ix_asks_org_status", table_name="asks")
    op.drop_table("asks")
