"""The replica of catalog events: a ticket may only name a known, upcoming one."""

from __future__ import annotations

from sqlmodel import Session

from backend_services.common.clock import utcnow
from backend_services.common.errors import BadRequest
from backend_services.common.events import Event
from backend_services.common.events.versions import in_order
from contracts.events import EventCreated, EventUpdated
from contracts.rules import plausible_id

from .models import Show

UNKNOWN_EVENT = "Pick an upcoming event from the catalog"


def apply_show(session: Session, event: Event) -> None:
    """`event.created` (version 0) and `event.updated` alike: apply each version in order."""
    assert isinstance(event, EventCreated | EventUpdated)
    show = session.get(Show, event.id, with_for_update=True)
    if not in_order(show.version if show else None, event.version, f"event {event.id}"):
        return
    fields = event.model_dump(include={"version", "name", "venue", "city", "starts_at"})
    if show is None:
        session.add(Show(id=event.id, **fields))
        return
    for name, value in fields.items():
        setattr(show, name, value)
    session.add(show)


def upcoming(session: Session, event_id: str) -> Show:
    """The event a new ticket names; 400 (field eventId) unless known and still ahead."""
    show = session.get(Show, event_id) if plausible_id(event_id) else None
    if show is None or show.starts_at <= utcnow():
        raise BadRequest(UNKNOWN_EVENT, field="eventId")
    return show
