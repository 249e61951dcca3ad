"""Order changes and the events reporting them, written in the caller's transaction."""

from __future__ import annotations

from sqlmodel import Session

from backend_services.common.events import OrderCancelled, OrderCompleted, OrderCreated, record
from backend_services.common.events.payloads import OrderCreatedTicket, OrderTicketRef
from backend_services.common.validation import plausible_id

from .domain import OrderStatus
from .models import Order


def lock(session: Session, order_id: str) -> Order | None:
    """The order, locked against concurrent transitions until the transaction ends."""
    if not plausible_id(order_id):
        return None
    return session.get(Order, order_id, with_for_update=True)


def open_order(session: Session, order: Order) -> None:
    session.add(order)
    session.flush()  # the unique index speaks here: IntegrityError if the ticket is held
    record(
        session,
        OrderCreated(
            id=order.id,
            version=order.version,
            status="created",
            user_id=order.user_id,
            expires_at=order.expires_at,
            ticket=OrderCreatedTicket(id=order.ticket_id, price=order.ticket_price),
        ),
    )


def cancel(session: Session, order: Order) -> None:
    order.status = OrderStatus.CANCELLED.value
    order.version += 1
    session.add(order)
    record(
        session,
        OrderCancelled(
            id=order.id, version=order.version, ticket=OrderTicketRef(id=order.ticket_id)
        ),
    )


def complete(session: Session, order: Order) -> None:
    order.status = OrderStatus.COMPLETE.value
    order.version += 1
    session.add(order)
    record(
        session,
        OrderCompleted(
            id=order.id, version=order.version, ticket=OrderTicketRef(id=order.ticket_id)
        ),
    )
