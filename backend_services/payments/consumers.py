"""Order events: the payments service's replica of orders, in version order."""

from __future__ import annotations

import logging

from sqlmodel import Session

from backend_services.common.events import (
    Consumer,
    Delivery,
    Event,
    Handler,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    Retry,
    Subject,
    idempotent,
)
from backend_services.common.events.consumer import ApplyFn
from backend_services.common.events.versions import in_order, retry_with_backoff

from . import service
from .deps import PaymentsRuntime
from .models import OrderStatus, PaymentOrder

log = logging.getLogger(__name__)

CONSUMER = "payments"


def apply_order_created(session: Session, event: Event) -> None:
    assert isinstance(event, OrderCreated)
    if session.get(PaymentOrder, event.id) is not None:
        return  # a repeat: the replica only moves forward through later versions
    session.add(
        PaymentOrder(
            id=event.id,
            version=event.version,
            status=event.status,
            user_id=event.user_id,
            price=event.ticket.price,
            expires_at=event.expires_at,
        )
    )


def _advance(session: Session, order_id: str, version: int, status: OrderStatus) -> bool:
    """Move the replica to `version`; False for an old or repeated event."""
    order = session.get(PaymentOrder, order_id, with_for_update=True)
    if order is None:
        raise Retry(f"order {order_id} v{version} arrived before its order.created")
    if not in_order(order.version, version, f"order {order_id}"):
        return False
    order.version = version
    order.status = status.value
    return True


def apply_order_cancelled(session: Session, event: Event) -> None:
    assert isinstance(event, OrderCancelled)
    if _advance(session, event.id, event.version, OrderStatus.CANCELLED):
        service.mark_for_refund(session, event.id)


def apply_order_completed(session: Session, event: Event) -> None:
    assert isinstance(event, OrderCompleted)
    _advance(session, event.id, event.version, OrderStatus.COMPLETE)


def consumers(runtime: PaymentsRuntime) -> list[Consumer]:
    refunder = runtime.deps.refunder

    def once(apply: ApplyFn) -> Handler:
        return retry_with_backoff(idempotent(runtime.engine, CONSUMER, apply))

    cancel = once(apply_order_cancelled)

    async def on_cancelled(event: Event, delivery: Delivery) -> None:
        await cancel(event, delivery)
        refunder.wake()  # a charge this cancellation caught is refunded right away

    handlers = {
        Subject.ORDER_CREATED.value: once(apply_order_created),
        Subject.ORDER_CANCELLED.value: on_cancelled,
        Subject.ORDER_COMPLETED.value: once(apply_order_completed),
    }
    return [Consumer(CONSUMER, handlers)]
