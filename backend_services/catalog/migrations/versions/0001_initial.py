"""events, the ticket replica, outbox and inbox"""

import sqlalchemy as sa
from alembic import op

from backend_services.common.ddl import integer, key, string, timestamp, versioned_key
from backend_services.common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "events",
        key(),
        string("name"),
        string("venue"),
        string("city"),
        timestamp("starts_at"),
        string("name_key"),
        string("venue_key"),
        string("city_key"),
        integer("version"),
        integer("available"),
        integer("min_price", nullable=True),
        string("created_by"),
        timestamp("created_at"),
        sa.CheckConstraint("available >= 0", name="ck_events_available"),
    )
    # One listing per show (name, venue, start), case-insensitive: also under races.
    op.create_index("ux_events_show", "events", ["name_key", "venue_key", "starts_at"], unique=True)
    op.create_index("ix_events_starts_at", "events", ["starts_at"])
    op.create_index("ix_events_city_key_starts_at", "events", ["city_key", "starts_at"])
    op.create_table(
        "event_tickets",
        *versioned_key(),
        string("event_id", nullable=True),
        string("status"),
        integer("all_in_price", nullable=True),
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
