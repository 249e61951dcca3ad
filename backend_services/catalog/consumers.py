"""Ticket events: the per-ticket replica behind each event's availability."""

from __future__ import annotations

from backend_services.common.events import Consumer, Subject, TicketCreated, TicketUpdated
from backend_services.common.events.consumer import ApplyFn, applying
from backend_services.common.events.versions import replica_consumer
from backend_services.common.runtime import Runtime

from . import readmodel
from .settings import CatalogSettings

CONSUMER = "catalog"


APPLIERS: dict[Subject, ApplyFn] = {
    Subject.TICKET_CREATED: applying(TicketCreated, readmodel.apply_created),
    Subject.TICKET_UPDATED: applying(TicketUpdated, readmodel.apply_updated),
}


def consumers(runtime: Runtime[CatalogSettings, None]) -> list[Consumer]:
    return [replica_consumer(CONSUMER, runtime.engine, APPLIERS)]
