"""Tables of the catalog service: events, and its replica of the tickets of each."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from backend_services.common.clock import utcnow
from backend_services.common.db import Keyed, Replica, UTCDateTime, indexes


class CatalogEvent(Keyed, table=True):
    """A show; `available` and `min_price` are the read model kept from ticket events."""

    __tablename__ = "events"
    __table_args__ = (
        # One listing per show: the database settles concurrent creates.
        sa.Index("ux_events_show", "name_key", "venue_key", "starts_at", unique=True),
        *indexes("events", ("starts_at",), ("city_key", "starts_at")),
    )

    name: str
    venue: str
    city: str
    starts_at: datetime = Field(sa_type=UTCDateTime)
    # domain.key() of name, venue and city: what equality and search compare.
    name_key: str
    venue_key: str
    city_key: str
    version: int = 0
    available: int = 0
    min_price: int | None = None  # lowest all-in price on sale, US cents
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EventTicket(Replica, table=True):
    """The replica of a ticket, as of the latest `ticket.*` event applied."""

    __tablename__ = "event_tickets"
    __table_args__ = indexes("event_tickets", ("event_id", "status"))

    event_id: str | None = None
    status: str
    all_in_price: int | None = None
