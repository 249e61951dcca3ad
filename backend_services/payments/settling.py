"""Capturing and voiding authorizations as orders decided.

The consumers only *mark* a decision, in the transaction that applies the event:
`order.completed` makes its payment `capture_due`, `order.payment_rejected` and
`order.cancelled` make the hold `void_due`. The settler then takes each marked row
under a lease and captures or cancels its PaymentIntent at Stripe, outside any
transaction, so the event stream never waits for Stripe and a crash between the
mark and the call is simply settled by the next pass (every replica runs one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.common.threads import in_thread
from backend_services.common.wakeup import Wakeup

from . import ledger
from .domain import PaymentStatus
from .gateway import StripeGateway
from .models import Payment, aware

log = logging.getLogger(__name__)

DUE = (PaymentStatus.CAPTURE_DUE, PaymentStatus.VOID_DUE)
_CAPTURING = (PaymentStatus.CAPTURE_DUE, PaymentStatus.CAPTURED)
_HOLDS = (PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED)


def void_order(session: Session, order_id: str) -> None:
    """The order was cancelled: release its hold, or its challenge, if any. An attempt
    still `pending` checks the order itself when its request ends."""
    payment = ledger.live_of(session, order_id)
    if payment is not None and PaymentStatus(payment.status) in _HOLDS:
        ledger.mark(payment, PaymentStatus.VOID_DUE)


def reject(session: Session, payment_id: str) -> None:
    """Orders would not complete the order with this authorization."""
    payment = ledger.lock(session, payment_id)
    if payment is not None and payment.status == PaymentStatus.AUTHORIZED:
        ledger.mark(payment, PaymentStatus.VOID_DUE)


def capture(session: Session, payment_id: str) -> None:
    """Orders completed the order with this authorization."""
    payment = ledger.lock(session, payment_id)
    if payment is not None and payment.status == PaymentStatus.AUTHORIZED:
        ledger.mark(payment, PaymentStatus.CAPTURE_DUE)
    elif payment is None or payment.status not in (
        PaymentStatus.CAPTURE_DUE,
        PaymentStatus.CAPTURED,
    ):
        status = payment.status if payment else "unknown"
        log.error("order completed with payment %s, which is %s: check it", payment_id, status)


def settle_due(engine: Engine, gateway: StripeGateway, lease: timedelta) -> int:
    """Capture or void every marked row nobody is settling; how many were settled."""
    now = utcnow()
    query = select(Payment.id).where(
        col(Payment.status).in_([s.value for s in DUE]),
        or_(col(Payment.locked_until).is_(None), col(Payment.locked_until) < now),
    )
    with Session(engine) as session:
        ids = list(session.exec(query).all())
    return sum(_settle(engine, gateway, pid) for pid in ids if _claim(engine, pid, lease))


def _claim(engine: Engine, payment_id: str, lease: timedelta) -> bool:
    with transaction(engine) as session:
        now = utcnow()
        payment = ledger.lock(session, payment_id)
        if payment is None or PaymentStatus(payment.status) not in DUE:
            return False
        if payment.locked_until is not None and aware(payment.locked_until) > now:
            return False  # another replica is settling it right now
        payment.locked_until = now + lease
        return True


def _settle(engine: Engine, gateway: StripeGateway, payment_id: str) -> bool:
    with Session(engine) as session:
        payment = session.get(Payment, payment_id)
    assert payment is not None and payment.stripe_id is not None
    act = gateway.capture if payment.status == PaymentStatus.CAPTURE_DUE else gateway.cancel
    try:
        settled = ledger.sync(engine, payment_id, act(payment.stripe_id))
    except Exception as exc:
        log.warning("settling payment %s failed, will retry: %s", payment_id, exc)
        settled = payment
    if PaymentStatus(settled.status) in DUE:
        _unlock(engine, payment_id)  # retried by the next pass
        return False
    return True


def _unlock(engine: Engine, payment_id: str) -> None:
    with transaction(engine) as session:
        payment = ledger.lock(session, payment_id)
        if payment is not None and PaymentStatus(payment.status) in DUE:
            payment.locked_until = None


Pass = Callable[[], int]


class Settler:
    """Runs the reconciler and then settles what is due: woken by the consumers (so a
    capture starts at once) and otherwise every `interval` seconds (so a call that
    failed, or a crash, is retried)."""

    def __init__(self, passes: list[tuple[str, Pass]], interval: float) -> None:
        self.passes = passes
        self.interval = interval
        self.wakeup = Wakeup()
        self.wake = self.wakeup.wake  # thread-safe

    async def run(self) -> None:
        self.wakeup.bind()
        while True:
            for name, run_pass in self.passes:
                try:
                    await in_thread(run_pass)
                except Exception:
                    log.exception("%s pass failed", name)
            await self.wakeup.sleep(self.interval)
