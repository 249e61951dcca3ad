"""Tables every service keeps in its own database: the outbox and the inbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel import JSON, Column, Field, SQLModel

from ..clock import utcnow


class OutboxEvent(SQLModel, table=True):
    """An event written in the same transaction as the change it reports."""

    __tablename__ = "outbox"

    seq: int | None = Field(default=None, primary_key=True)  # publish order
    id: str = Field(default_factory=lambda: uuid.uuid4().hex, unique=True)  # Nats-Msg-Id
    subject: str
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # The trace context of the writing transaction (`traceparent`, ...), sent as
    # NATS headers so consumers continue the trace; None when not traced.
    headers: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    published_at: datetime | None = Field(
        default=None, index=True, sa_type=sa.DateTime(timezone=True)
    )


class ProcessedMessage(SQLModel, table=True):
    """Inbox: an event id a consumer has applied, written with the effect itself."""

    __tablename__ = "processed_messages"

    consumer: str = Field(primary_key=True)
    msg_id: str = Field(primary_key=True)
    processed_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


def create_event_tables() -> None:
    """Revision-one snapshot of the tables above, for each service's first migration."""
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(), nullable=False, unique=True),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    op.create_table(
        "processed_messages",
        sa.Column("consumer", sa.String(), primary_key=True),
        sa.Column("msg_id", sa.String(), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def add_outbox_headers() -> None:
    """The `headers` column (trace context), added to every service's outbox in one revision."""
    op.add_column("outbox", sa.Column("headers", sa.JSON(), nullable=True))


def drop_outbox_headers() -> None:
    with op.batch_alter_table("outbox") as batch:  # SQLite rebuilds the table
        batch.drop_column("headers")


def drop_event_tables() -> None:
    op.drop_table("processed_messages")
    op.drop_index("ix_outbox_published_at", "outbox")
    op.drop_table("outbox")
