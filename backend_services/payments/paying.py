"""Paying for an order (`POST /api/payments`), independent of HTTP.

1. *claim*: in one transaction (the order's replica row locked) check the order is
   payable and start an attempt: a `pending` row with a lease. An order has at most
   one live attempt (a partial unique index), so a duplicate request finds it and
   waits, then answers from it; a `pending` attempt whose lease was released or ran
   out (Stripe unreachable, the process died) is resumed with its own key and card.
2. *at Stripe*, outside any transaction: create the PaymentIntent unconfirmed
   (`capture_method=manual`, idempotency key of the attempt), record its id on the row
   (only while the attempt owns it), then confirm it, which only *authorizes*.
   A `pending` row with a `stripe_id` names the only intent that may hold money.
3. *answer* from where the intent stands (`ledger.follow`, shared with webhooks and
   the reconciler): `authorized` (announced, 201), `requires_action` (201 with the
   client secret), `failed` (402), or, if the order was cancelled meanwhile,
   `void_due` (409: the settler releases the hold; nothing is charged).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.common.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    PaymentRequired,
    TooManyRequests,
    UpstreamUnavailable,
)
from backend_services.common.sessions import CurrentUser
from backend_services.common.threads import in_thread

from . import domain, ledger, replica
from .domain import PaymentStatus
from .gateway import (
    DECLINED,
    AttemptMismatch,
    CardDeclined,
    Charge,
    InvalidPaymentMethod,
    StripeGateway,
    StripeUnavailable,
)
from .models import Payment, PaymentOrder, aware
from .settings import PaymentsSettings

POLL_SECONDS = 0.05
IN_PROGRESS = "A payment for this order is already in progress"
UNAVAILABLE = "The payment provider is unavailable, please try again shortly"
NOT_CHARGED = "Order was cancelled before the payment completed; you were not charged"
TOO_MANY_DECLINES = "Too many declined payments for this order"
TOO_MANY_BUYER_DECLINES = "Too many declined payments in the last hour; please try again later"


@dataclass(frozen=True)
class Attempt:
    payment_id: str
    order_id: str
    amount: int
    payment_method: str
    resumed: bool  # an earlier attempt whose outcome is unknown, replayed
    stripe_id: str | None = None  # its PaymentIntent, once created and recorded


@dataclass(frozen=True)
class Paid:
    """What the request answers: the attempt, and the secret for a 3-D Secure step."""

    payment: Payment
    client_secret: str | None = None


class _LostAttempt(Exception):
    """The attempt was settled or taken over while its PaymentIntent was being created."""


async def pay(
    engine: Engine,
    gateway: StripeGateway,
    settings: PaymentsSettings,
    user: CurrentUser,
    order_id: str,
    payment_method: str,
) -> Paid:
    """Waits are asynchronous; only the database and Stripe calls take a thread."""
    order = await replica.find(engine, order_id, settings.replica_wait_seconds)
    if order.user_id != user.id:
        raise Forbidden("You can only pay for your own orders")
    replica.check_payable(order)
    lease = timedelta(seconds=settings.payment_lease_seconds)
    deadline = time.monotonic() + settings.duplicate_wait_seconds
    while True:
        claimed = await in_thread(
            claim, engine, order_id, payment_method, lease, settings.decline_limits
        )
        if claimed is None:  # a duplicate request (or a void) is under way right now
            if time.monotonic() >= deadline:
                raise Conflict(IN_PROGRESS)
            await asyncio.sleep(POLL_SECONDS)
            continue
        if isinstance(claimed, Payment):
            paid = await in_thread(resume_challenge, engine, gateway, claimed, payment_method)
            if paid is None:
                continue  # the earlier challenge was dropped for this request's card
            return paid
        try:
            return await in_thread(charge, engine, gateway, claimed, lease)
        except PaymentRequired:
            if claimed.resumed and claimed.payment_method != payment_method:
                continue  # the earlier card was declined: now try this request's card
            raise


def claim(
    engine: Engine,
    order_id: str,
    payment_method: str,
    lease: timedelta,
    limits: domain.DeclineLimits,
) -> Attempt | Payment | None:
    """Start (or resume) the order's attempt; the live attempt awaiting 3-D Secure; or
    None while another attempt is in flight."""
    try:
        with transaction(engine) as session:
            now = utcnow()
            order = replica.lock(session, order_id)
            replica.check_payable(order)
            live = ledger.live_of(session, order_id)
            if live is not None:
                status = PaymentStatus(live.status)
                refused = domain.refusal_for_live(status)
                if refused is not None:
                    raise Conflict(refused.value)
                if status is PaymentStatus.REQUIRES_ACTION:
                    return live
                if status is PaymentStatus.PENDING and not _leased(live, now):
                    # Its outcome is unknown (Stripe unreachable, or the process died
                    # mid-charge): resume it with the same key and card.
                    live.locked_until = now + lease
                    live.updated_at = now
                    return _attempt(live, resumed=True)
                return None
            _refuse_card_testing(session, order, limits, now)
            payment = Payment(
                order_id=order_id,
                amount=order.price,
                payment_method=payment_method,
                attempt=ledger.count_attempts(session, order_id) + 1,
                locked_until=now + lease,
            )
            session.add(payment)
            session.flush()  # the live-attempt index speaks here
            return _attempt(payment, resumed=False)
    except IntegrityError:
        return None  # a concurrent first attempt went live: wait for it


def _refuse_card_testing(
    session: Session, order: PaymentOrder, limits: domain.DeclineLimits, now: datetime
) -> None:
    # Counted under the order's lock: a buyer has at most one attempt in flight per
    # order, so concurrent orders can pass the buyer limit by a few (MAX_ACTIVE_HOLDS).
    failed = ledger.count_attempts(session, order.id, PaymentStatus.FAILED)
    if domain.too_many_declines(failed, limits.per_order):
        raise TooManyRequests(TOO_MANY_DECLINES)
    recent = ledger.count_buyer_declines(session, order.user_id, now - limits.buyer_window)
    if domain.too_many_declines(recent, limits.per_buyer):
        raise TooManyRequests(TOO_MANY_BUYER_DECLINES)


def _leased(payment: Payment, now: datetime) -> bool:
    return payment.locked_until is not None and aware(payment.locked_until) > now


def _attempt(payment: Payment, resumed: bool) -> Attempt:
    return Attempt(
        payment_id=payment.id,
        order_id=payment.order_id,
        amount=payment.amount,
        payment_method=payment.payment_method,
        resumed=resumed,
        stripe_id=payment.stripe_id,
    )


def charge(engine: Engine, gateway: StripeGateway, attempt: Attempt, lease: timedelta) -> Paid:
    try:
        intent = _at_stripe(engine, gateway, attempt, lease)
    except _LostAttempt:
        raise Conflict(IN_PROGRESS) from None
    except CardDeclined as exc:
        _fail(engine, attempt, exc.message)
        raise PaymentRequired(exc.message) from None
    except InvalidPaymentMethod as exc:
        _fail(engine, attempt, exc.message)
        raise BadRequest(exc.message, field="token") from None
    except AttemptMismatch:
        _release(engine, attempt)
        raise Conflict(IN_PROGRESS) from None
    except StripeUnavailable:
        _release(engine, attempt)
        raise UpstreamUnavailable(UNAVAILABLE) from None
    except BaseException:
        _release(engine, attempt)
        raise
    payment = ledger.sync(engine, attempt.payment_id, intent)
    if payment.status == PaymentStatus.PENDING:  # processing, or never confirmed
        _release(engine, attempt)
        raise UpstreamUnavailable(UNAVAILABLE)
    return answer(payment, intent)


def answer(payment: Payment, intent: Charge) -> Paid:
    """The request's answer once its attempt has left `pending`."""
    status = PaymentStatus(payment.status)
    if status is PaymentStatus.FAILED:
        raise PaymentRequired(payment.failure_message or DECLINED)
    if status in (PaymentStatus.VOID_DUE, PaymentStatus.VOIDED):
        raise Conflict(NOT_CHARGED)
    if status is PaymentStatus.REQUIRES_ACTION:
        return Paid(payment, intent.client_secret)
    return Paid(payment)


def resume_challenge(
    engine: Engine, gateway: StripeGateway, payment: Payment, payment_method: str
) -> Paid | None:
    """A request for an order whose attempt awaits 3-D Secure: the same card gets the same
    challenge back (a double click); another card drops it (None: start a new attempt)."""
    assert payment.stripe_id is not None
    try:
        intent = gateway.retrieve(payment.stripe_id)
        payment = ledger.sync(engine, payment.id, intent)
        if payment.status != PaymentStatus.REQUIRES_ACTION:
            return answer(payment, intent)
        if payment.payment_method == payment_method:
            return Paid(payment, intent.client_secret)
        ledger.sync(engine, payment.id, gateway.cancel(intent.id))
    except StripeUnavailable:
        raise UpstreamUnavailable(UNAVAILABLE) from None
    return None


def _at_stripe(
    engine: Engine, gateway: StripeGateway, attempt: Attempt, lease: timedelta
) -> Charge:
    """Create the PaymentIntent, record its id, then confirm it (which authorizes).

    A resumed attempt whose intent was recorded looks it up first: it may have been
    confirmed already by a request that died before recording the outcome."""
    if attempt.stripe_id is not None:
        intent = gateway.retrieve(attempt.stripe_id)
    else:
        intent = gateway.create_intent(
            attempt.order_id, attempt.amount, attempt.payment_method, attempt.payment_id
        )
        if not record_intent(engine, attempt, intent.id, lease):
            gateway.cancel(intent.id)
            raise _LostAttempt
    if intent.status != "requires_confirmation":
        return intent
    return gateway.confirm(attempt.payment_id, intent.id)


def record_intent(engine: Engine, attempt: Attempt, intent_id: str, lease: timedelta) -> bool:
    """Before confirming: a `pending` row with a `stripe_id` names the only intent of
    the attempt that may hold money, whatever happens to this process next."""
    with transaction(engine) as session:
        payment = ledger.lock(session, attempt.payment_id)
        if not _owns(payment):
            return False
        assert payment is not None
        if payment.stripe_id not in (None, intent_id):
            return False  # a concurrent resumption of the attempt recorded its own
        now = utcnow()
        payment.stripe_id = intent_id
        payment.locked_until = now + lease  # a whole lease for the confirmation
        payment.updated_at = now
        return True


def _fail(engine: Engine, attempt: Attempt, message: str) -> None:
    with transaction(engine) as session:
        payment = ledger.lock(session, attempt.payment_id)
        if _owns(payment):
            assert payment is not None
            ledger.enter(session, payment, PaymentStatus.FAILED, message)


def release(engine: Engine, payment_id: str) -> None:
    """Outcome unknown: keep the attempt `pending` but let the next request resume it."""
    with transaction(engine) as session:
        payment = ledger.lock(session, payment_id)
        if _owns(payment):
            assert payment is not None
            payment.locked_until = None
            payment.updated_at = utcnow()


def _release(engine: Engine, attempt: Attempt) -> None:
    release(engine, attempt.payment_id)


def _owns(payment: Payment | None) -> bool:
    return payment is not None and payment.status == PaymentStatus.PENDING
