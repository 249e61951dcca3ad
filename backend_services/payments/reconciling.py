"""The reconciler: settles what no request, event or webhook is going to settle.

Run before each settler pass in every replica (each row is claimed under its lock):

* *abandoned attempts*: `pending` rows whose holder died (lease ran out) or that were
  released (Stripe unreachable) for an order that can no longer be paid. Without a
  recorded intent nothing was authorized; with one, the intent is looked up and
  followed (an unconfirmed one for an unpayable order is cancelled first).
* *challenges*: `requires_action` rows are looked up again now and then, in case a
  webhook was lost.
* *stale holds*: `authorized` rows orders has not decided on, as far as payments has
  heard: captured if the order completed with them, voided once the order is cancelled
  or past `expiresAt` plus `AUTHORIZATION_GRACE_SECONDS` (orders never completes an
  order after its expiry), so nothing stays on hold past the hold plus the grace.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction

from . import domain, ledger, paying, replica
from .domain import OrderStatus, PaymentStatus, Settle
from .gateway import StripeGateway
from .models import Payment, PaymentOrder, aware

log = logging.getLogger(__name__)

ABANDONED = "The payment was interrupted and the order can no longer be paid"


def reconcile(
    engine: Engine,
    gateway: StripeGateway,
    lease: timedelta,
    grace: timedelta,
    recheck: timedelta = timedelta(seconds=15),
) -> int:
    """One pass; how many rows it changed or looked up at Stripe. A challenge is looked
    up again once it has been idle for `recheck`."""
    done = 0
    for payment_id in _rows(engine, PaymentStatus.PENDING):
        done += _abandoned_attempt(engine, gateway, payment_id, lease)
    for payment_id in _rows(engine, PaymentStatus.REQUIRES_ACTION, recheck):
        done += _recheck_challenge(engine, gateway, payment_id)
    for payment_id in _rows(engine, PaymentStatus.AUTHORIZED):
        done += _stale_hold(engine, payment_id, grace)
    return done


def _rows(engine: Engine, status: PaymentStatus, idle: timedelta | None = None) -> list[str]:
    query = select(Payment.id).where(Payment.status == status.value)
    if idle is not None:
        query = query.where(col(Payment.updated_at) < utcnow() - idle)
    with Session(engine) as session:
        return list(session.exec(query).all())


def _locked(session: Session, payment_id: str) -> tuple[Payment, PaymentOrder] | None:
    found = session.get(Payment, payment_id)
    if found is None:
        return None
    order = replica.lock(session, found.order_id)  # the order first, as everywhere
    payment = ledger.lock(session, payment_id)
    assert payment is not None
    return payment, order


def _abandoned_attempt(
    engine: Engine, gateway: StripeGateway, payment_id: str, lease: timedelta
) -> int:
    with transaction(engine) as session:
        now = utcnow()
        locked = _locked(session, payment_id)
        if locked is None:
            return 0
        payment, order = locked
        held = aware(payment.locked_until) if payment.locked_until else None
        if payment.status != PaymentStatus.PENDING or not domain.abandoned(
            held, replica.payable(order), now
        ):
            return 0  # settled, resumed or claimed meanwhile
        if payment.stripe_id is None:  # never confirmed, so nothing is held
            if replica.payable(order):
                payment.locked_until = None  # the buyer's retry resumes it
            else:
                ledger.enter(session, payment, PaymentStatus.FAILED, ABANDONED)
            return 1
        payment.locked_until = now + lease
        stripe_id, payable = payment.stripe_id, replica.payable(order)
    try:
        intent = gateway.retrieve(stripe_id)
        if intent.status == "requires_confirmation" and not payable:
            intent = gateway.cancel(stripe_id)  # make sure it never authorizes
        log.warning("abandoned payment %s: intent %s is %s", payment_id, stripe_id, intent.status)
        ledger.sync(engine, payment_id, intent)
    except Exception:
        log.exception("abandoned payment %s: will retry", payment_id)
    paying.release(engine, payment_id)  # still pending (e.g. unconfirmed): the retry resumes
    return 1


def _recheck_challenge(engine: Engine, gateway: StripeGateway, payment_id: str) -> int:
    with transaction(engine) as session:
        payment = ledger.lock(session, payment_id)
        if payment is None or payment.status != PaymentStatus.REQUIRES_ACTION:
            return 0
        payment.updated_at = utcnow()  # the next look after another `recheck`
        stripe_id = payment.stripe_id
    assert stripe_id is not None
    try:
        ledger.sync(engine, payment_id, gateway.retrieve(stripe_id))
    except Exception as exc:
        log.warning("looking up challenge %s failed: %s", payment_id, exc)
    return 1


def _stale_hold(engine: Engine, payment_id: str, grace: timedelta) -> int:
    with transaction(engine) as session:
        locked = _locked(session, payment_id)
        if locked is None:
            return 0
        payment, order = locked
        if payment.status != PaymentStatus.AUTHORIZED:
            return 0
        decision = domain.settle_stale_hold(
            OrderStatus(order.status),
            order.payment_id,
            aware(order.expires_at),
            payment.id,
            utcnow(),
            grace,
        )
        if decision is Settle.WAIT:
            return 0
        log.warning("stale authorization %s of order %s: %s", payment.id, order.id, decision)
        due = PaymentStatus.CAPTURE_DUE if decision is Settle.CAPTURE else PaymentStatus.VOID_DUE
        ledger.mark(payment, due)
        return 1
