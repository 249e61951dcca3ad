"""Tables of the tickets service (its own database)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend_services.common.clock import utcnow
from backend_services.common.db import Keyed, Replica, UTCDateTime, indexes

from .domain import TicketStatus


class Ticket(Keyed, table=True):
    __tablename__ = "tickets"
    __table_args__ = indexes("tickets", ("status", "created_at"), ("event_id", "status"))

    title: str
    price: int  # US cents
    # What a buyer pays, fee included, as of the last write of the price.
    all_in_price: int
    user_id: str = Field(index=True)
    version: int = 0
    order_id: str | None = None
    status: str = TicketStatus.AVAILABLE.value
    event_id: str | None = None
    section: str | None = None
    row: str | None = None
    seat: str | None = None
    listing_id: str | None = Field(default=None, index=True)
    file_key: str | None = None  # the e-ticket in the FileStore, if uploaded
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))

    @property
    def has_file(self) -> bool:
        return self.file_key is not None


class TicketOrderVersion(SQLModel, table=True):
    """Each order this service has seen: its buyer, and the last version applied."""

    __tablename__ = "ticket_order_versions"

    order_id: str = Field(primary_key=True)
    version: int
    user_id: str | None = None  # the buyer (from order.created); older rows have none


class Show(Replica, table=True):
    """The replica of a catalog event (`event.created/updated`), to vet `eventId`."""

    __tablename__ = "shows"

    name: str
    venue: str
    city: str
    starts_at: datetime = Field(sa_type=UTCDateTime)


class StoredFile(SQLModel, table=True):
    """A file of the database FileStore; its bytes are in `file_chunks`."""

    __tablename__ = "files"

    key: str = Field(primary_key=True)
    content_type: str
    size: int
    chunks: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class FileChunk(SQLModel, table=True):
    __tablename__ = "file_chunks"

    key: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary)
