"""Tables of the tickets service (its own database)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend_services.common.clock import utcnow

from .domain import TicketStatus


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (sa.Index("ix_tickets_status_created_at", "status", "created_at"),)

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True)
    title: str
    price: int  # US cents
    user_id: str = Field(index=True)
    version: int = 0
    order_id: str | None = None
    status: str = TicketStatus.AVAILABLE.value
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class TicketOrderVersion(SQLModel, table=True):
    """The last version of each order whose event this service has applied."""

    __tablename__ = "ticket_order_versions"

    order_id: str = Field(primary_key=True)
    version: int
