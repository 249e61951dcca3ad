"""Ticket events: the per-ticket replica behind each event's availability."""

from __future__ import annotations

from sqlmodel import Session

from backend_services.common.events import Consumer, Event, Subject, TicketCreated, TicketUpdated
from backend_services.common.events.consumer import ApplyFn
from backend_services.common.events.versions import replica_consumer
from backend_services.common.runtime import Runtime

from . import readmodel
from .settings import CatalogSettings

CONSUMER = "catalog"


def ticket_created(session: Session, event: Event) -> None:
    assert isinstance(event, TicketCreated)
    readmodel.apply_created(session, event)


def ticket_updated(session: Session, event: Event) -> None:
    assert isinstance(event, TicketUpdated)
    readmodel.apply_updated(session, event)


APPLIERS: dict[Subject, ApplyFn] = {
    Subject.TICKET_CREATED: ticket_created,
    Subject.TICKET_UPDATED: ticket_updated,
}


def consumers(runtime: Runtime[CatalogSettings, None]) -> list[Consumer]:
    return [replica_consumer(CONSUMER, runtime.engine, APPLIERS)]
