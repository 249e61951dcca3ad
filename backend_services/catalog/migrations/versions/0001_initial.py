"""events, the ticket replica, outbox and inbox

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from backend_services.common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("venue", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name_key", sa.String(), nullable=False),
        sa.Column("venue_key", sa.String(), nullable=False),
        sa.Column("city_key", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("min_price", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("available >= 0", name="ck_events_available"),
    )
    # One listing per show (name, venue, start), case-insensitive: also under races.
    op.create_index("ux_events_show", "events", ["name_key", "venue_key", "starts_at"], unique=True)
    op.create_index("ix_events_starts_at", "events", ["starts_at"])
    op.create_index("ix_events_city_key_starts_at", "events", ["city_key", "starts_at"])
    op.create_table(
        "event_tickets",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("all_in_price", sa.Integer(), nullable=True),
    )
    op.create_index("ix_event_tickets_event_id_status", "event_tickets", ["event_id", "status"])
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
    op.drop_index("ix_event_tickets_event_id_status", "event_tickets")
    op.drop_table("event_tickets")
    op.drop_index("ix_events_city_key_starts_at", "events")
    op.drop_index("ix_events_starts_at", "events")
    op.drop_index("ux_events_show", "events")
    op.drop_table("events")
