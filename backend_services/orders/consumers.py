"""Events orders listens to: the ticket replica, expired holds and payments."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from backend_services.common.clock import utcnow
from backend_services.common.events import (
    Consumer,
    Event,
    ExpirationComplete,
    PaymentAuthorized,
    Retry,
    Subject,
    TicketCreated,
    TicketUpdated,
)
from backend_services.common.events.consumer import ApplyFn
from backend_services.common.events.versions import (
    insert_once,
    lock_next,
    replica_consumer,
)
from backend_services.common.runtime import Runtime

from . import domain, lifecycle
from .domain import OrderStatus, PaymentVerdict
from .models import OrderTicket
from .recent import forget_on_commit

log = logging.getLogger(__name__)

CONSUMER = "orders"
REPLICATED = {"id", "version", "title", "price", "user_id"}  # of a ticket, what orders keeps


def ticket_created(session: Session, event: Event) -> None:
    assert isinstance(event, TicketCreated)
    insert_once(session, OrderTicket(**event.model_dump(include=REPLICATED)))


def ticket_updated(session: Session, event: Event) -> None:
    assert isinstance(event, TicketUpdated)
    replica = lock_next(session, OrderTicket, event.id, event.version, f"ticket {event.id}")
    if replica is None:
        return
    if replica.user_id != event.user_id:  # a refusal from memory names the seller
        forget_on_commit(session, [event.id])
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


def payment_authorized(session: Session, event: Event) -> None:
    """Orders alone knows whether the hold is still valid: complete, or reject."""
    assert isinstance(event, PaymentAuthorized)
    order = lifecycle.lock(session, event.order_id)
    if order is None:
        raise Retry(f"order {event.order_id} is unknown")
    verdict = domain.judge_payment(
        OrderStatus(order.status),
        order.expires_at,
        order.total,
        order.payment_id,
        event.id,
        event.amount,
        utcnow(),
    )
    if verdict is PaymentVerdict.COMPLETE:
        lifecycle.complete(session, order, event.id)
    elif verdict is not PaymentVerdict.ALREADY_APPLIED:
        if verdict is PaymentVerdict.AMOUNT_MISMATCH:
            log.error(
                "ALERT: payment %s authorized %d cents for order %s, which costs %d",
                event.id,
                event.amount,
                order.id,
                order.total,
            )
        lifecycle.reject_payment(session, order, event.id, verdict.value)


APPLIERS: dict[Subject, ApplyFn] = {
    Subject.TICKET_CREATED: ticket_created,
    Subject.TICKET_UPDATED: ticket_updated,
    Subject.EXPIRATION_COMPLETE: expiration_complete,
    Subject.PAYMENT_AUTHORIZED: payment_authorized,
}


def consumers(runtime: Runtime[Any, Any]) -> list[Consumer]:
    return [replica_consumer(CONSUMER, runtime.engine, APPLIERS)]
