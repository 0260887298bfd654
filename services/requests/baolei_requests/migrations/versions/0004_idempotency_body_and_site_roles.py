"""what an Idempotency-Key was used for; hotels and buses by site

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:20:00

A key reused with a different body used to return the first need silently: each need now keeps a
hash of the body it was created from, and a different body under the same key is a 422. Intake
asks whether a need's site is a hotel's or a bus depot (a hotel is no pickup site): by index.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_hash", sa.String(64), nullable=True))
    op.create_index("ix_hotels_site_id", "hotels", ["site_id"])
    op.create_index("ix_buses_depot_id", "buses", ["depot_id"])


def downgrade() -> None:
    op.drop_index("ix_buses_depot_id", table_name="buses")
    op.drop_index("ix_hotels_site_id", table_name="hotels")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_column("body_hash")
