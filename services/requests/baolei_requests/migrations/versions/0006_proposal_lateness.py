"""a proposal's wait and lateness (issue 17)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 15:20:00

A proposal arriving after the need's due time carries how late and why, and every transfer
proposal the minutes from ready to arrival, so the console can mark late ones without parsing
the explanation. Defaults keep the rows written before this migration valid (0 = on time).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("wait_minutes", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("late_minutes", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("late_cause", sa.String(length=40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("late_cause")
        batch.drop_column("late_minutes")
        batch.drop_column("wait_minutes")
