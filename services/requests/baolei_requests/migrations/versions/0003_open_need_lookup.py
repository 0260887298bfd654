"""indexes for the duplicate check, hold expiry and the outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 03:10:00

The duplicate check of every new need looked at every open need of its site (51 ms per POST at
1,500 open); with (site_id, kind, status, due_at) it reads only the overlapping ones. Hold expiry
reads proposals by (status, hold_expires_at); the outbox relay reads unsent rows by id.
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_needs_site_kind_status_due", "needs", ["site_id", "kind", "status", "due_at"])
    op.create_index("ix_assignments_status_expiry", "assignments", ["status", "hold_expires_at"])


def downgrade() -> None:
    op.drop_index("ix_assignments_status_expiry", table_name="assignments")
    op.drop_index("ix_needs_site_kind_status_due", table_name="needs")
