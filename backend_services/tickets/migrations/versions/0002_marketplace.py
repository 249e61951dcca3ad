"""Marketplace v2: events, seats, listings, all-in prices, buyers and e-ticket files"""

import sqlalchemy as sa
from alembic import op

from backend_services.common.ddl import integer, key, string, timestamp, versioned_key

revision = "0002"
down_revision = "0001"

SEAT_PART_MAX = 20  # contracts.rules.SEAT_PART_MAX at the time of this revision

# Existing tickets get the all-in price under the default fee (10 %, rounded half up).
BACKFILL_ALL_IN = "UPDATE tickets SET all_in_price = price + (price * 1000 + 5000) / 10000"


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(integer("all_in_price", nullable=True))
        batch.add_column(string("event_id", nullable=True))
        for part in ("section", "row", "seat"):
            batch.add_column(string(part, SEAT_PART_MAX, nullable=True))
        batch.add_column(string("listing_id", nullable=True))
        batch.add_column(string("file_key", nullable=True))
    op.execute(BACKFILL_ALL_IN)
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("all_in_price", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint("ck_tickets_all_in_price", "all_in_price >= price")
    op.create_index("ix_tickets_event_id_status", "tickets", ["event_id", "status"])
    op.create_index("ix_tickets_listing_id", "tickets", ["listing_id"])
    with op.batch_alter_table("ticket_order_versions") as batch:
        batch.add_column(string("user_id", nullable=True))
    op.create_table(
        "shows",
        *versioned_key(),
        string("name"),
        string("venue"),
        string("city"),
        timestamp("starts_at"),
    )
    op.create_table(
        "files",
        key("key"),
        string("content_type"),
        integer("size"),
        integer("chunks"),
        timestamp("created_at"),
    )
    op.create_table(
        "file_chunks",
        key("key"),
        key("seq", sa.Integer()),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("file_chunks")
    op.drop_table("files")
    op.drop_table("shows")
    with op.batch_alter_table("ticket_order_versions") as batch:
        batch.drop_column("user_id")
    op.drop_index("ix_tickets_listing_id", "tickets")
    op.drop_index("ix_tickets_event_id_status", "tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("ck_tickets_all_in_price", type_="check")
        for column in ("file_key", "listing_id", "seat", "row", "section", "event_id"):
            batch.drop_column(column)
        batch.drop_column("all_in_price")
