"""The payments service's replica of orders: read, locked, and moved forward by events."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend_services.common.clock import utcnow
from backend_services.common.errors import Conflict, NotFound, owned
from backend_services.common.events import OrderCreated
from backend_services.common.events.versions import insert_once, lock_next
from backend_services.common.sessions import CurrentUser
from backend_services.common.threads import in_thread
from contracts.rules import plausible_id

from . import domain
from .domain import OrderStatus
from .models import PaymentOrder, aware

POLL_SECONDS = 0.05
ORDER_NOT_FOUND = "Order not found"


def load(engine: Engine, order_id: str) -> PaymentOrder | None:
    with Session(engine) as session:
        return session.get(PaymentOrder, order_id)


async def find(engine: Engine, order_id: str, wait_seconds: float) -> PaymentOrder:
    """The replicated order, waiting briefly for an `order.created` still in flight."""
    if not plausible_id(order_id):
        raise NotFound(ORDER_NOT_FOUND)  # never waited for, never sent to the database
    deadline = time.monotonic() + wait_seconds
    while True:
        order = await in_thread(load, engine, order_id)
        if order is not None:
            return order
        if time.monotonic() >= deadline:
            raise NotFound(ORDER_NOT_FOUND)
        await asyncio.sleep(POLL_SECONDS)


def lock(session: Session, order_id: str) -> PaymentOrder:
    order = session.get(PaymentOrder, order_id, with_for_update=True, populate_existing=True)
    if order is None:  # replicas are never deleted
        raise NotFound(ORDER_NOT_FOUND)
    return order


def own(order: PaymentOrder | None, user: CurrentUser) -> PaymentOrder:
    return owned(order, user.id, ORDER_NOT_FOUND, "This order belongs to someone else")


def check_payable(order: PaymentOrder) -> None:
    refused = domain.refusal(OrderStatus(order.status), aware(order.expires_at), utcnow())
    if refused is not None:
        raise Conflict(refused.value)


def payable(order: PaymentOrder | None) -> bool:
    if order is None:
        return False
    return domain.refusal(OrderStatus(order.status), aware(order.expires_at), utcnow()) is None


def apply_created(session: Session, event: OrderCreated) -> None:
    replicated = event.model_dump(include={"id", "version", "status", "user_id", "expires_at"})
    insert_once(session, PaymentOrder(**replicated, price=event.amount_due))


def advance(
    session: Session, order_id: str, version: int, status: OrderStatus
) -> PaymentOrder | None:
    """Move the replica to `version` (locked); None for an old or repeated event."""
    order = lock_next(session, PaymentOrder, order_id, version, f"order {order_id}")
    if order is not None:
        order.status = status.value
    return order
