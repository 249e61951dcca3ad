"""Order events reserve, release and sell tickets, each order's events in version order;
catalog events keep the replica of events that new tickets may name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from backend_services.common.events import (
    Consumer,
    Event,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    Retry,
    Subject,
)
from backend_services.common.events.versions import (
    in_order,
    replica_consumer,
)
from backend_services.common.runtime import Runtime

from . import repository, shows
from .domain import (
    Hold,
    Outcome,
    TicketStatus,
    Transition,
    on_order_cancelled,
    on_order_completed,
    on_order_created,
)
from .models import TicketOrderVersion

CONSUMER = "tickets"


def apply_order_event(
    session: Session,
    order_id: str,
    version: int,
    ticket_ids: Sequence[str],
    transition: Transition,
    buyer_id: str | None = None,
) -> None:
    """One order event on every ticket it names, all in this transaction or none."""
    applied = session.get(TicketOrderVersion, order_id, with_for_update=True)
    if not in_order(applied.version if applied else None, version, f"order {order_id}"):
        return
    for ticket_id in ticket_ids:
        _apply_to_ticket(session, order_id, ticket_id, transition)
    if applied is None:
        session.add(TicketOrderVersion(order_id=order_id, version=version, user_id=buyer_id))
    else:
        applied.version = version


def _apply_to_ticket(
    session: Session, order_id: str, ticket_id: str, transition: Transition
) -> None:
    ticket = repository.load(session, ticket_id)
    if ticket is None:
        raise Retry(f"ticket {ticket_id} of order {order_id} is unknown")
    outcome, hold = transition(Hold(TicketStatus(ticket.status), ticket.order_id), order_id)
    if outcome is Outcome.WAIT:
        raise Retry(f"ticket {ticket_id} is still held by order {ticket.order_id}")
    if outcome is Outcome.CHANGED:
        ticket.status, ticket.order_id = hold.status.value, hold.order_id
        try:
            repository.save_changes(session, ticket)
        except repository.StaleTicket:
            raise Retry(f"ticket {ticket_id} changed meanwhile") from None


def _order_created(session: Session, event: Event) -> None:
    assert isinstance(event, OrderCreated)
    apply_order_event(
        session, event.id, event.version, event.ticket_ids, on_order_created, event.user_id
    )


def _order_cancelled(session: Session, event: Event) -> None:
    assert isinstance(event, OrderCancelled)
    apply_order_event(session, event.id, event.version, event.ticket_ids, on_order_cancelled)


def _order_completed(session: Session, event: Event) -> None:
    assert isinstance(event, OrderCompleted)
    apply_order_event(session, event.id, event.version, event.ticket_ids, on_order_completed)


def consumers(runtime: Runtime[Any, Any]) -> list[Consumer]:
    appliers: dict[Subject, Any] = {
        Subject.ORDER_CREATED: _order_created,
        Subject.ORDER_CANCELLED: _order_cancelled,
        Subject.ORDER_COMPLETED: _order_completed,
        Subject.EVENT_CREATED: shows.apply_show,
        Subject.EVENT_UPDATED: shows.apply_show,
    }
    return [replica_consumer(CONSUMER, runtime.engine, appliers)]
