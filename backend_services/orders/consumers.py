"""Events orders listens to: the ticket replica, expired holds and payments."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from backend_services.common.events import (
    Consumer,
    Event,
    ExpirationComplete,
    PaymentCreated,
    Retry,
    Subject,
    TicketCreated,
    TicketUpdated,
)
from backend_services.common.events.consumer import ApplyFn
from backend_services.common.events.versions import (
    in_order,
    replica_consumer,
)
from backend_services.common.runtime import Runtime

from . import domain, lifecycle
from .domain import OrderStatus
from .models import OrderTicket

log = logging.getLogger(__name__)

CONSUMER = "orders"


def ticket_created(session: Session, event: Event) -> None:
    assert isinstance(event, TicketCreated)
    if session.get(OrderTicket, event.id) is not None:
        return  # a repeat
    session.add(
        OrderTicket(
            id=event.id,
            version=event.version,
            title=event.title,
            price=event.price,
            user_id=event.user_id,
        )
    )


def ticket_updated(session: Session, event: Event) -> None:
    assert isinstance(event, TicketUpdated)
    replica = session.get(OrderTicket, event.id, with_for_update=True)
    if replica is None:
        raise Retry(f"ticket {event.id} v{event.version} arrived before its creation")
    if not in_order(replica.version, event.version, f"ticket {event.id}"):
        return
    replica.version = event.version
    replica.title, replica.price, replica.user_id = event.title, event.price, event.user_id
    replica.status, replica.order_id = event.status, event.order_id
    session.add(replica)


def expiration_complete(session: Session, event: Event) -> None:
    assert isinstance(event, ExpirationComplete)
    order = lifecycle.lock(session, event.order_id)
    if order is None:
        raise Retry(f"order {event.order_id} is unknown")
    if domain.expires(OrderStatus(order.status)):
        lifecycle.cancel(session, order)


def payment_created(session: Session, event: Event) -> None:
    assert isinstance(event, PaymentCreated)
    order = lifecycle.lock(session, event.order_id)
    if order is None:
        raise Retry(f"order {event.order_id} is unknown")
    if domain.completes(OrderStatus(order.status)):
        lifecycle.complete(session, order)
    elif order.status == OrderStatus.CANCELLED:
        log.warning("payment %s is for cancelled order %s; payments refunds it", event.id, order.id)


APPLIERS: dict[Subject, ApplyFn] = {
    Subject.TICKET_CREATED: ticket_created,
    Subject.TICKET_UPDATED: ticket_updated,
    Subject.EXPIRATION_COMPLETE: expiration_complete,
    Subject.PAYMENT_CREATED: payment_created,
}


def consumers(runtime: Runtime[Any, Any]) -> list[Consumer]:
    return [replica_consumer(CONSUMER, runtime.engine, APPLIERS)]
