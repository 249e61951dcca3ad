"""Order events: the replica of orders, and orders' decisions on authorizations."""

from __future__ import annotations

from sqlmodel import Session

from backend_services.common.events import (
    Consumer,
    Delivery,
    Event,
    Handler,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderPaymentRejected,
    Subject,
    idempotent,
)
from backend_services.common.events.consumer import ApplyFn, applying
from backend_services.common.events.versions import retry_with_backoff

from . import replica, settling
from .deps import PaymentsRuntime
from .domain import OrderStatus

CONSUMER = "payments"


def apply_order_created(session: Session, event: OrderCreated) -> None:
    replica.apply_created(session, event)


def apply_order_cancelled(session: Session, event: OrderCancelled) -> None:
    if replica.advance(session, event.id, event.version, OrderStatus.CANCELLED) is not None:
        settling.void_order(session, event.id)


def apply_order_completed(session: Session, event: OrderCompleted) -> None:
    order = replica.advance(session, event.id, event.version, OrderStatus.COMPLETE)
    if order is not None and event.payment_id is not None:
        order.payment_id = event.payment_id
        settling.capture(session, event.payment_id)


def apply_payment_rejected(session: Session, event: OrderPaymentRejected) -> None:
    settling.reject(session, event.payment_id)


def consumers(runtime: PaymentsRuntime) -> list[Consumer]:
    settler = runtime.deps.settler

    def once(apply: ApplyFn, wakes: bool = False) -> Handler:
        handler = retry_with_backoff(idempotent(runtime.engine, CONSUMER, apply))
        if not wakes:
            return handler

        async def then_settle(event: Event, delivery: Delivery) -> None:
            await handler(event, delivery)
            settler.wake()  # a decision was marked: settle it at Stripe right away

        return then_settle

    handlers = {
        Subject.ORDER_CREATED.value: once(applying(OrderCreated, apply_order_created)),
        Subject.ORDER_CANCELLED.value: once(
            applying(OrderCancelled, apply_order_cancelled), wakes=True
        ),
        Subject.ORDER_COMPLETED.value: once(
            applying(OrderCompleted, apply_order_completed), wakes=True
        ),
        Subject.ORDER_PAYMENT_REJECTED.value: once(
            applying(OrderPaymentRejected, apply_payment_rejected), wakes=True
        ),
    }
    return [Consumer(CONSUMER, handlers)]
