"""Marketplace v2: events, seats, listings, all-in prices, buyers and e-ticket files

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEAT_PART_MAX = 20  # contracts.rules.SEAT_PART_MAX at the time of this revision

# Existing tickets get the all-in price under the default fee (10 %, rounded half up).
BACKFILL_ALL_IN = "UPDATE tickets SET all_in_price = price + (price * 1000 + 5000) / 10000"


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("all_in_price", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("event_id", sa.String(), nullable=True))
        for part in ("section", "row", "seat"):
            batch.add_column(sa.Column(part, sa.String(SEAT_PART_MAX), nullable=True))
        batch.add_column(sa.Column("listing_id", sa.String(), nullable=True))
        batch.add_column(sa.Column("file_key", sa.String(), nullable=True))
    op.execute(BACKFILL_ALL_IN)
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("all_in_price", existing_type=sa.Integer(), nullable=False)
        batch.create_check_constraint("ck_tickets_all_in_price", "all_in_price >= price")
    op.create_index("ix_tickets_event_id_status", "tickets", ["event_id", "status"])
    op.create_index("ix_tickets_listing_id", "tickets", ["listing_id"])
    with op.batch_alter_table("ticket_order_versions") as batch:
        batch.add_column(sa.Column("user_id", sa.String(), nullable=True))
    op.create_table(
        "shows",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("venue", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "files",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "file_chunks",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
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
