"""stays and departures (issue 18 point 6)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 21:10:00

A transfer ends in a hotel stay: who is there, in which rooms, until when (by risk category); who
left isolation and until when their rooms are cleaned. The rooms come back from these.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "stays",
        sa.Column("id", sa.String(length=80), primary_key=True),
        sa.Column("assignment_id", sa.String(length=64), nullable=False),
        sa.Column("need_id", sa.String(length=64), nullable=False),
        sa.Column("hotel_id", sa.String(length=64), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("risk", sa.String(length=30), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("rooms", sa.JSON(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stay_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_stays_assignment_id", "stays", ["assignment_id"])
    op.create_index("ix_stays_operator", "stays", ["operator"])
    op.create_index("ix_stays_hotel_status_until", "stays", ["hotel_id", "status", "stay_until"])
    op.create_table(
        "stay_departures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("stay_id", sa.String(length=80), nullable=False),
        sa.Column("hotel_id", sa.String(length=64), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("rooms", sa.JSON(), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleaning_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
    )
    op.create_index("ix_stay_departures_stay_id", "stay_departures", ["stay_id"])
    op.create_index("ix_departures_hotel_cleaning", "stay_departures", ["hotel_id", "cleaning_until"])


def downgrade() -> None:
    op.drop_table("stay_departures")
    op.drop_table("stays")
