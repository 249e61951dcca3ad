"""Payment rows: locked, and moved between statuses together with the event reporting
the move (`payment.authorized`, `payment.captured`, `payment.voided`) in the outbox.

Every path that learns where a PaymentIntent stands (the request, a webhook, the
reconciler, the settler) goes through `follow`, so they agree whatever their order.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.common.events import (
    Event,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentVoided,
    record,
)

from . import domain, replica
from .domain import LIVE, OrderStatus, PaymentStatus
from .gateway import DECLINED, Charge
from .models import Payment, PaymentOrder

log = logging.getLogger(__name__)


def lock(session: Session, payment_id: str) -> Payment | None:
    # populate_existing: a row read earlier in this session is refreshed once locked.
    return session.get(Payment, payment_id, with_for_update=True, populate_existing=True)


def live_of(session: Session, order_id: str) -> Payment | None:
    """The order's live attempt (at most one), locked."""
    query = (
        select(Payment)
        .where(Payment.order_id == order_id, col(Payment.status).in_([s.value for s in LIVE]))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(query).first()


def count_attempts(session: Session, order_id: str, status: PaymentStatus | None = None) -> int:
    query = select(func.count()).select_from(Payment).where(Payment.order_id == order_id)
    if status is not None:
        query = query.where(Payment.status == status.value)
    return int(session.exec(query).one())


def count_buyer_declines(session: Session, user_id: str, since: datetime) -> int:
    """Declined attempts on any of the buyer's orders since `since`."""
    query = (
        select(func.count())
        .select_from(Payment)
        .join(PaymentOrder, col(PaymentOrder.id) == col(Payment.order_id))
        .where(
            PaymentOrder.user_id == user_id,
            Payment.status == PaymentStatus.FAILED.value,
            col(Payment.updated_at) >= since,
        )
    )
    return int(session.exec(query).one())


def of_order(engine: Engine, order_id: str) -> list[Payment]:
    query = (
        select(Payment).where(Payment.order_id == order_id).order_by(col(Payment.attempt).desc())
    )
    with Session(engine) as session:
        return list(session.exec(query).all())


def get(engine: Engine, payment_id: str) -> Payment | None:
    with Session(engine) as session:
        return session.get(Payment, payment_id)


def by_intent(engine: Engine, stripe_id: str) -> Payment | None:
    with Session(engine) as session:
        return session.exec(select(Payment).where(Payment.stripe_id == stripe_id)).first()


def mark(payment: Payment, status: PaymentStatus) -> None:
    """A move nobody outside hears of (a decision to settle)."""
    payment.status = status.value
    payment.locked_until = None
    payment.updated_at = utcnow()


# What the buyer's side hears of a payment entering each status.
ANNOUNCED: dict[PaymentStatus, type[Event]] = {
    PaymentStatus.AUTHORIZED: PaymentAuthorized,
    PaymentStatus.CAPTURED: PaymentCaptured,
    PaymentStatus.VOIDED: PaymentVoided,
}


def enter(
    session: Session, payment: Payment, status: PaymentStatus, message: str | None = None
) -> None:
    """Move a locked payment to `status`, announcing what the buyer's side must hear."""
    payment.status = status.value
    payment.locked_until = None
    payment.updated_at = utcnow()
    if message is not None:
        payment.failure_message = message[:500]
    announced = ANNOUNCED.get(status)
    if announced is not None:  # its fields are the payment's (an authorization: stripe_id set)
        record(session, announced.model_validate(payment, from_attributes=True))
    log.info("payment %s of order %s: %s", payment.id, payment.order_id, status.value)


def follow(session: Session, payment: Payment, intent: Charge) -> bool:
    """Move a locked payment to where its PaymentIntent stands; False if it stays."""
    order = replica.lock(session, payment.order_id)
    cancelled = order.status == OrderStatus.CANCELLED
    new = domain.follow_intent(PaymentStatus(payment.status), intent.status, cancelled)
    if new is None:
        return False
    if payment.stripe_id is None:
        payment.stripe_id = intent.id
    if new is PaymentStatus.CAPTURED and payment.status != PaymentStatus.CAPTURE_DUE:
        log.error("ALERT: payment %s was captured without orders completing it", payment.id)
    if new is PaymentStatus.VOIDED and payment.status == PaymentStatus.CAPTURE_DUE:
        log.error("ALERT: payment %s of a completed order was voided at Stripe", payment.id)
    message = (intent.failure or DECLINED) if new is PaymentStatus.FAILED else None
    enter(session, payment, new, message)
    return True


def sync(engine: Engine, payment_id: str, intent: Charge) -> Payment:
    """`follow` in a transaction of its own (order row first, then the payment)."""
    with transaction(engine) as session:
        found = session.get(Payment, payment_id)
        assert found is not None
        replica.lock(session, found.order_id)
        payment = lock(session, payment_id)
        assert payment is not None
        follow(session, payment, intent)
        return payment
