"""Order changes and the events reporting them, written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col

from backend_services.common.events import (
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderPaymentRejected,
    record,
)
from contracts.events import OrderCreatedTicket, OrderTicketRef
from contracts.rules import plausible_id

from .domain import OrderStatus
from .models import Order, OrderItem
from .recent import forget_on_commit


def lock(session: Session, order_id: str) -> Order | None:
    """The order, locked against concurrent transitions until the transaction ends."""
    if not plausible_id(order_id):
        return None
    return session.get(Order, order_id, with_for_update=True)


def lock_buyer(session: Session, user_id: str) -> None:
    """Serialise one buyer's new orders until the transaction ends, so a burst of
    concurrent requests cannot all count the same holds. SQLite already runs one
    writer at a time (BEGIN IMMEDIATE); PostgreSQL takes a per-buyer advisory lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtextextended(:buyer, 0))"),
            {"buyer": user_id},
        )


# The buyer's orders awaiting payment, and when their latest released hold on any of
# the tickets asked for ran (or would have run) out: fair use, in one statement built
# once (SQLAlchemy caches a reused statement's compiled form).
_BUYERS_ORDERS = col(Order.user_id) == sa.bindparam("buyer")
_FAIR_USE_QUERY = sa.select(
    sa.select(sa.func.count())
    .where(_BUYERS_ORDERS, col(Order.status) == OrderStatus.CREATED.value)
    .scalar_subquery(),
    sa.select(sa.func.max(col(Order.expires_at)))
    .where(
        _BUYERS_ORDERS,
        col(Order.status) == OrderStatus.CANCELLED.value,
        col(Order.id).in_(
            sa.select(col(OrderItem.order_id)).where(
                col(OrderItem.ticket_id).in_(sa.bindparam("ticket_ids", expanding=True))
            )
        ),
    )
    .scalar_subquery(),
)
_INSERT_ORDER = sa.insert(Order.__table__)  # type: ignore[attr-defined]
_INSERT_ITEM = sa.insert(OrderItem.__table__)  # type: ignore[attr-defined]


def fair_use_facts(
    session: Session, user_id: str, ticket_ids: list[str]
) -> tuple[int, datetime | None]:
    """The buyer's active holds, and their latest release of any of these tickets."""
    row = session.connection().execute(
        _FAIR_USE_QUERY, {"buyer": user_id, "ticket_ids": ticket_ids}
    )
    holds, released = row.one()
    return int(holds), released  # aware UTC: the column's type


def open_order(session: Session, order: Order, items: list[OrderItem]) -> None:
    """Insert the order and its items. Items go in ticket id order, whatever order the
    buyer named them in: racers for overlapping seats then wait on each other in one
    direction only (no deadlock on PostgreSQL), and the unique index on holding items
    refuses every loser (IntegrityError) with nothing of theirs written.

    Core inserts of the objects' columns: `order` stays out of the session (it is the
    answer and the event), with its items set as the buyer named them."""
    connection = session.connection()
    connection.execute(_INSERT_ORDER, _columns(order))
    for item in sorted(items, key=lambda i: i.ticket_id):
        connection.execute(_INSERT_ITEM, _columns(item))
    set_committed_value(order, "items", sorted(items, key=lambda i: i.position))
    record(
        session,
        OrderCreated(
            id=order.id,
            version=order.version,
            status="created",
            user_id=order.user_id,
            expires_at=order.expires_at,
            ticket=_created_ref(order.items[0]),
            tickets=[_created_ref(item) for item in order.items],
            total=order.total,
        ),
    )


def _columns(row: SQLModel) -> dict[str, Any]:
    return {column.name: getattr(row, column.name) for column in row.__table__.columns}  # type: ignore[attr-defined]


def _created_ref(item: OrderItem) -> OrderCreatedTicket:
    return OrderCreatedTicket(id=item.ticket_id, price=item.price)


def _refs(order: Order) -> list[OrderTicketRef]:
    return [OrderTicketRef(id=ticket_id) for ticket_id in order.ticket_ids]


def cancel(session: Session, order: Order) -> None:
    """Cancel the whole order: every one of its tickets is free again at once."""
    order.status = OrderStatus.CANCELLED.value
    order.version += 1
    for item in order.items:
        item.holding = False
        session.add(item)
    session.add(order)
    forget_on_commit(session, order.ticket_ids)
    refs = _refs(order)
    record(
        session, OrderCancelled(id=order.id, version=order.version, ticket=refs[0], tickets=refs)
    )


def complete(session: Session, order: Order, payment_id: str) -> None:
    order.status = OrderStatus.COMPLETE.value
    order.payment_id = payment_id
    order.version += 1
    session.add(order)
    forget_on_commit(session, order.ticket_ids)  # reserved -> sold
    refs = _refs(order)
    record(
        session,
        OrderCompleted(
            id=order.id,
            version=order.version,
            user_id=order.user_id,
            ticket=refs[0],
            tickets=refs,
            payment_id=payment_id,
        ),
    )


def reject_payment(session: Session, order: Order, payment_id: str, reason: str) -> None:
    """Tell payments to release an authorization this order will not take."""
    record(session, OrderPaymentRejected(id=order.id, payment_id=payment_id, reason=reason))
