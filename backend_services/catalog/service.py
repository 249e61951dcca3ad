"""Catalog use cases, independent of HTTP."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from backend_services.common.db import transaction
from backend_services.common.errors import BadRequest, Conflict, NotFound
from backend_services.common.events import record
from backend_services.common.sessions import CurrentUser
from contracts.events import EventCreated
from contracts.rules import plausible_id

from .domain import key
from .models import CatalogEvent
from .schemas import EventIn, EventQuery

DUPLICATE_MESSAGE = "This event (same name, venue and start time) is already listed"


def create_event(engine: Engine, creator: CurrentUser, data: EventIn) -> CatalogEvent:
    event = CatalogEvent(
        name=data.name,
        venue=data.venue,
        city=data.city,
        starts_at=data.starts_at,
        name_key=key(data.name),
        venue_key=key(data.venue),
        city_key=key(data.city),
        created_by=creator.id,
    )
    try:
        with transaction(engine) as session:
            session.add(event)
            session.flush()
            record(session, EventCreated.model_validate(event, from_attributes=True))
    except IntegrityError:  # ux_events_show: the database decides between racing creates
        raise Conflict(DUPLICATE_MESSAGE) from None
    return event


def list_upcoming(engine: Engine, query: EventQuery, now: datetime) -> list[CatalogEvent]:
    if query.from_ and query.to and query.to <= query.from_:
        raise BadRequest("to must not be before from", field="to")
    found = select(CatalogEvent).where(col(CatalogEvent.starts_at) > now)
    if query.from_:
        found = found.where(col(CatalogEvent.starts_at) >= query.from_)
    if query.to:
        found = found.where(col(CatalogEvent.starts_at) < query.to)
    if query.city:
        found = found.where(CatalogEvent.city_key == key(query.city))
    if query.q:
        text = key(query.q)
        found = found.where(
            or_(
                col(CatalogEvent.name_key).contains(text, autoescape=True),
                col(CatalogEvent.venue_key).contains(text, autoescape=True),
            )
        )
    found = found.order_by(col(CatalogEvent.starts_at), col(CatalogEvent.id))
    with Session(engine) as session:
        return list(session.exec(found.limit(query.limit).offset(query.offset)).all())


def get_event(engine: Engine, event_id: str) -> CatalogEvent:
    event = None
    if plausible_id(event_id):
        with Session(engine) as session:
            event = session.get(CatalogEvent, event_id)
    if event is None:
        raise NotFound("Event not found")
    return event
