"""Availability of each event, kept from ticket events.

The catalog keeps one replica row per ticket (versioned: version n applies only
after n-1) and, in the same transaction, recounts the tickets on sale of every
event the change touched. Each recount first locks its event's row, so two
consumers applying tickets of one event at once (replicas, PostgreSQL) take
turns and the second counts what the first committed: no lost update.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from backend_services.common.events import TicketCreated, TicketUpdated
from backend_services.common.events.versions import insert_once, lock_next

from .domain import ON_SALE, affected
from .models import CatalogEvent, EventTicket


def apply_created(session: Session, event: TicketCreated) -> None:
    replicated = event.model_dump(include={"id", "version", "event_id", "all_in_price"})
    if insert_once(session, EventTicket(**replicated, status=ON_SALE)):
        session.flush()
        refresh(session, affected(event.event_id))


def apply_updated(session: Session, event: TicketUpdated) -> None:
    replica = lock_next(session, EventTicket, event.id, event.version, f"ticket {event.id}")
    if replica is None:
        return
    touched = affected(replica.event_id, event.event_id)
    replica.event_id = event.event_id
    replica.status, replica.all_in_price = event.status, event.all_in_price
    session.add(replica)
    session.flush()
    refresh(session, touched)


def refresh(session: Session, event_ids: list[str]) -> None:
    """Recount `available` and `minPrice` of these events (ids in lock order)."""
    for event_id in event_ids:
        locked = session.exec(
            select(CatalogEvent.id).where(CatalogEvent.id == event_id).with_for_update()
        ).first()
        if locked is None:
            continue  # not one of ours: tickets only accepts ids of catalog events
        count, lowest = session.exec(
            select(func.count(), func.min(EventTicket.all_in_price)).where(
                EventTicket.event_id == event_id, EventTicket.status == ON_SALE
            )
        ).one()
        session.execute(
            sa.update(CatalogEvent)
            .where(col(CatalogEvent.id) == event_id)
            .values(available=count, min_price=lowest)
        )
