"""Paying for an order, independent of HTTP.

One `payments` row per order (unique) guards the charge, because a local
Stripe test server may ignore idempotency keys and because a request can race
a duplicate of itself:

1. *claim*: in one transaction (the order's replica row locked), check the
   order is payable and insert the row as `pending` with a lease, or turn a
   `declined` row into a new `pending` attempt. A concurrent request finds a
   live lease and waits for it, then sees `succeeded` (409 already paid) or
   `declined` (it may try its own card).
2. *charge* Stripe outside any transaction, in two steps: create the
   PaymentIntent unconfirmed, with the idempotency key of the attempt
   (`order-<id>-payment`, then `-2`, `-3` … after declines); record its id on
   the `pending` row (own transaction, only while the attempt owns the row; the
   lease is renewed); then confirm it, which is what moves money. So, whatever
   kills the process, a `pending` row with a `stripe_id` names the only intent
   that may have charged, and one without charged nothing.
3. *finish*: declined → `declined` (the order stays payable); unreachable →
   the lease is released and the attempt stays `pending`, so the next request
   resumes it (a recorded intent is looked up first: `succeeded` is finished,
   `requires_confirmation` confirmed, `canceled`/`requires_payment_method`
   declined; otherwise a new intent with the same key and card); succeeded → in
   one transaction with the order row locked: if the order is still `created`,
   `succeeded` plus `payment.created` in the outbox; if it was cancelled
   meanwhile (the expiry race), `refund_pending`, refunded at once and never
   announced.

*reconcile* (run by the refunder's loop in every replica) settles `pending`
attempts nobody is finishing — the lease expired (the holder died), or the
lease was released and the order is no longer `created` — after claiming each
under the row lock with a lease: a recorded intent that succeeded is finished
as above (paid, or refunded if the order was cancelled); one not confirmed for
an order no longer payable is cancelled and the attempt `declined`; without a
recorded intent nothing was charged: `declined` if the order cannot be paid,
else left for the buyer's retry.

An `order.cancelled` that arrives after the charge succeeded marks the payment
`refund_pending` (and retracts its `payment.created` if the relay has not
published it yet); refunds that fail are retried by `refund_due`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.common.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PaymentRequired,
    UpstreamUnavailable,
)
from backend_services.common.events import PaymentCreated, record
from backend_services.common.events.tables import OutboxEvent
from backend_services.common.sessions import CurrentUser
from backend_services.common.threads import in_thread
from contracts.rules import plausible_id

from .gateway import (
    DECLINED,
    AttemptMismatch,
    CardDeclined,
    Charge,
    InvalidPaymentMethod,
    StripeGateway,
    StripeUnavailable,
    refund_key,
)
from .models import OrderStatus, Payment, PaymentOrder, PaymentStatus, aware
from .settings import PaymentsSettings

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
ORDER_NOT_FOUND = "Order not found"
ALREADY_PAID = "Order already paid"
ORDER_CANCELLED = "Order is cancelled"
ORDER_EXPIRED = "Order has expired"
IN_PROGRESS = "A payment for this order is already in progress"
REFUNDED_RACE = "Order was cancelled before the payment completed; the charge was refunded"
UNAVAILABLE = "The payment provider is unavailable, please try again shortly"
NEEDS_AUTHENTICATION = "This card needs an authentication step we do not support; use another card"
ABANDONED = "The payment was interrupted and the order can no longer be paid"


@dataclass(frozen=True)
class Attempt:
    payment_id: str
    order_id: str
    amount: int
    number: int
    payment_method: str
    resumed: bool  # an earlier attempt whose outcome is unknown, replayed
    stripe_id: str | None = None  # its PaymentIntent, once created and recorded


class _LostAttempt(Exception):
    """The attempt was settled or taken over while its PaymentIntent was being created."""


# -- the order replica ------------------------------------------------------------


def load_order(engine: Engine, order_id: str) -> PaymentOrder | None:
    with Session(engine) as session:
        return session.get(PaymentOrder, order_id)


async def find_order(engine: Engine, order_id: str, wait_seconds: float) -> PaymentOrder:
    """The replicated order, waiting briefly for an `order.created` still in flight."""
    if not plausible_id(order_id):
        raise NotFound(ORDER_NOT_FOUND)  # never waited for, never sent to the database
    deadline = time.monotonic() + wait_seconds
    while True:
        order = await in_thread(load_order, engine, order_id)
        if order is not None:
            return order
        if time.monotonic() >= deadline:
            raise NotFound(ORDER_NOT_FOUND)
        await asyncio.sleep(POLL_SECONDS)


def check_payable(order: PaymentOrder, now: datetime) -> None:
    if order.status == OrderStatus.COMPLETE:
        raise Conflict(ALREADY_PAID)
    if order.status == OrderStatus.CANCELLED:
        raise Conflict(ORDER_CANCELLED)
    if now >= aware(order.expires_at):
        raise Conflict(ORDER_EXPIRED)


def _payable(order: PaymentOrder | None, now: datetime) -> bool:
    return (
        order is not None and order.status == OrderStatus.CREATED and now < aware(order.expires_at)
    )


def _locked_order(session: Session, order_id: str) -> PaymentOrder:
    order = session.get(PaymentOrder, order_id, with_for_update=True)
    if order is None:  # replicas are never deleted
        raise NotFound(ORDER_NOT_FOUND)
    return order


def _locked_payment(session: Session, order_id: str) -> Payment | None:
    query = select(Payment).where(Payment.order_id == order_id).with_for_update()
    return session.exec(query).first()


# -- paying -----------------------------------------------------------------------


async def pay(
    engine: Engine,
    gateway: StripeGateway,
    settings: PaymentsSettings,
    user: CurrentUser,
    order_id: str,
    payment_method: str,
) -> Payment:
    """Waits are asynchronous; only the database and Stripe calls take a thread."""
    order = await find_order(engine, order_id, settings.replica_wait_seconds)
    if order.user_id != user.id:
        raise Forbidden("You can only pay for your own orders")
    check_payable(order, utcnow())
    lease = timedelta(seconds=settings.payment_lease_seconds)
    deadline = time.monotonic() + settings.duplicate_wait_seconds
    while True:
        attempt = await in_thread(claim, engine, order_id, payment_method, lease)
        if attempt is None:  # a duplicate request is charging this order right now
            if time.monotonic() >= deadline:
                raise Conflict(IN_PROGRESS)
            await asyncio.sleep(POLL_SECONDS)
            continue
        try:
            return await in_thread(charge, engine, gateway, attempt, lease)
        except PaymentRequired:
            if attempt.resumed and attempt.payment_method != payment_method:
                continue  # the earlier card was declined: now try this request's card
            raise


def claim(engine: Engine, order_id: str, payment_method: str, lease: timedelta) -> Attempt | None:
    """Start (or resume) the order's payment attempt; None while another one is live."""
    try:
        with transaction(engine) as session:
            now = utcnow()
            order = _locked_order(session, order_id)
            check_payable(order, now)
            payment = _locked_payment(session, order_id)
            if payment is None:
                payment = Payment(
                    order_id=order_id,
                    amount=order.price,
                    payment_method=payment_method,
                    locked_until=now + lease,
                )
                session.add(payment)
                return _attempt(payment, resumed=False)
            if payment.status != PaymentStatus.DECLINED and payment.status != PaymentStatus.PENDING:
                raise Conflict(ALREADY_PAID)
            if payment.status == PaymentStatus.PENDING:
                if payment.locked_until is not None and aware(payment.locked_until) > now:
                    return None
                # Its outcome is unknown (Stripe unreachable, or the process died
                # mid-charge): resume it with the same key and card.
                payment.locked_until = now + lease
                payment.updated_at = now
                return _attempt(payment, resumed=True)
            payment.attempt += 1
            payment.stripe_id = None  # the declined attempt's PaymentIntent
            payment.amount = order.price
            payment.payment_method = payment_method
            payment.status = PaymentStatus.PENDING.value
            payment.failure_message = None
            payment.locked_until = now + lease
            payment.updated_at = now
            return _attempt(payment, resumed=False)
    except IntegrityError:
        return None  # a concurrent first attempt inserted the row: wait for it


def _attempt(payment: Payment, resumed: bool) -> Attempt:
    return Attempt(
        payment_id=payment.id,
        order_id=payment.order_id,
        amount=payment.amount,
        number=payment.attempt,
        payment_method=payment.payment_method,
        resumed=resumed,
        stripe_id=payment.stripe_id,
    )


def charge(engine: Engine, gateway: StripeGateway, attempt: Attempt, lease: timedelta) -> Payment:
    try:
        result = _charge_at_stripe(engine, gateway, attempt, lease)
    except _LostAttempt:
        raise Conflict(IN_PROGRESS) from None
    except CardDeclined as exc:
        _finish_declined(engine, attempt, exc.message)
        raise PaymentRequired(exc.message) from None
    except InvalidPaymentMethod as exc:
        _finish_declined(engine, attempt, exc.message)
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
    if result.status == "succeeded":
        return _finish_succeeded(engine, gateway, attempt, result, lease)
    if result.status in ("canceled", "requires_payment_method"):  # declined earlier
        _finish_declined(engine, attempt, DECLINED)
        raise PaymentRequired(DECLINED)
    if result.status in ("processing", "requires_confirmation"):  # not settled yet
        _release(engine, attempt)
        raise UpstreamUnavailable(UNAVAILABLE)
    # e.g. requires_action (3-D Secure): not supported
    gateway.cancel_quietly(result.id)
    _finish_declined(engine, attempt, NEEDS_AUTHENTICATION)
    raise PaymentRequired(NEEDS_AUTHENTICATION)


def _charge_at_stripe(
    engine: Engine, gateway: StripeGateway, attempt: Attempt, lease: timedelta
) -> Charge:
    """Create the PaymentIntent, record its id, then confirm it (which moves the money).

    A resumed attempt whose intent was recorded looks it up first: it may have been
    confirmed already by a request that died before recording the outcome."""
    if attempt.stripe_id is not None:
        intent = gateway.retrieve(attempt.stripe_id)
    else:
        intent = gateway.create_intent(
            attempt.order_id, attempt.amount, attempt.payment_method, attempt.number
        )
        if not record_intent(engine, attempt, intent.id, lease):
            gateway.cancel_quietly(intent.id)
            raise _LostAttempt
    if intent.status != "requires_confirmation":
        return intent
    return gateway.confirm(attempt.order_id, intent.id, attempt.number)


def record_intent(engine: Engine, attempt: Attempt, intent_id: str, lease: timedelta) -> bool:
    """Before confirming: a `pending` row with a `stripe_id` names the only intent of
    the attempt that may have been charged, whatever happens to this process next."""
    with transaction(engine) as session:
        payment = session.get(Payment, attempt.payment_id, with_for_update=True)
        if not _owns(payment, attempt):
            return False
        assert payment is not None
        if payment.stripe_id not in (None, intent_id):
            return False  # a concurrent resumption of the attempt recorded its own
        now = utcnow()
        payment.stripe_id = intent_id
        payment.locked_until = now + lease  # a whole lease for the confirmation
        payment.updated_at = now
        return True


def _finish_declined(engine: Engine, attempt: Attempt, message: str) -> None:
    with transaction(engine) as session:
        payment = session.get(Payment, attempt.payment_id, with_for_update=True)
        if _owns(payment, attempt):
            assert payment is not None
            payment.status = PaymentStatus.DECLINED.value
            payment.failure_message = message[:500]
            payment.locked_until = None
            payment.updated_at = utcnow()


def _release(engine: Engine, attempt: Attempt) -> None:
    """Outcome unknown: keep the attempt `pending` but let the next request resume it."""
    with transaction(engine) as session:
        payment = session.get(Payment, attempt.payment_id, with_for_update=True)
        if _owns(payment, attempt):
            assert payment is not None
            payment.locked_until = None
            payment.updated_at = utcnow()


def _owns(payment: Payment | None, attempt: Attempt) -> bool:
    return (
        payment is not None
        and payment.status == PaymentStatus.PENDING
        and payment.attempt == attempt.number
    )


def _finish_succeeded(
    engine: Engine, gateway: StripeGateway, attempt: Attempt, result: Charge, lease: timedelta
) -> Payment:
    with transaction(engine) as session:
        now = utcnow()
        order = _locked_order(session, attempt.order_id)
        payment = session.get(Payment, attempt.payment_id, with_for_update=True)
        assert payment is not None
        if payment.stripe_id == result.id and payment.status != PaymentStatus.PENDING:
            outcome = "settled"  # a resumed attempt: Stripe replayed a charge already settled
        elif not _owns(payment, attempt):
            outcome = "surplus"  # cannot happen with Stripe's idempotency; refund ours
        else:
            payment.stripe_id = result.id
            payment.updated_at = now
            if order.status == OrderStatus.CREATED:
                payment.status = PaymentStatus.SUCCEEDED.value
                payment.locked_until = None
                event = PaymentCreated(
                    id=payment.id,
                    order_id=payment.order_id,
                    stripe_id=result.id,
                    amount=payment.amount,
                )
                payment.outbox_id = record(session, event).id
                outcome = "paid"
            else:  # the order expired (or was cancelled) while we were charging
                payment.status = PaymentStatus.REFUND_PENDING.value
                payment.locked_until = now + lease  # claimed: we refund it right below
                outcome = "race"
    if outcome == "paid":
        log.info("order %s paid: %s", attempt.order_id, result.id)
        return payment
    if outcome == "settled":
        if payment.status == PaymentStatus.SUCCEEDED:
            return payment
        raise Conflict(REFUNDED_RACE)
    if outcome == "surplus":
        log.error("surplus charge %s for order %s: refunding it", result.id, attempt.order_id)
        surplus_key = f"{refund_key(attempt.order_id)}-{result.id}"
        try:
            gateway.refund(attempt.order_id, result.id, key=surplus_key)
        except Exception:
            log.exception("refund of surplus charge %s failed: refund it by hand", result.id)
        raise Conflict(ALREADY_PAID)
    log.warning("order %s was cancelled while %s was charged: refunding", order.id, result.id)
    refund_claimed(engine, gateway, payment.id)
    raise Conflict(REFUNDED_RACE)


# -- abandoned attempts -------------------------------------------------------------


def reconcile(engine: Engine, gateway: StripeGateway, lease: timedelta) -> int:
    """Settle `pending` attempts nobody is finishing: their holder died (the lease
    expired), or they were released (Stripe unreachable) and the order can no longer be
    paid. Safe to run in every replica: each attempt is claimed with a lease first.
    Returns how many attempts were settled through Stripe."""
    now = utcnow()
    with Session(engine) as session:
        query = (
            select(Payment, PaymentOrder)
            .join(PaymentOrder, col(PaymentOrder.id) == col(Payment.order_id))
            .where(Payment.status == PaymentStatus.PENDING)
        )
        due = [(p.id, p.order_id) for p, o in session.exec(query).all() if _abandoned(p, o, now)]
    settled = 0
    for payment_id, order_id in due:
        attempt = _claim_abandoned(engine, payment_id, order_id, lease)
        if attempt is None:
            continue
        try:
            _settle_abandoned(engine, gateway, attempt, lease)
            settled += 1
        except Exception:
            log.exception("abandoned payment of order %s: will retry", order_id)
            _release(engine, attempt)
    return settled


def _abandoned(payment: Payment, order: PaymentOrder, now: datetime) -> bool:
    if payment.locked_until is not None:
        return aware(payment.locked_until) <= now  # its holder died mid-charge
    return order.status != OrderStatus.CREATED  # released, and the buyer cannot retry


def _claim_abandoned(
    engine: Engine, payment_id: str, order_id: str, lease: timedelta
) -> Attempt | None:
    """Claim an abandoned attempt whose intent must be looked up at Stripe; one without
    a recorded intent charged nothing and is settled right here."""
    with transaction(engine) as session:
        now = utcnow()
        order = _locked_order(session, order_id)
        payment = _locked_payment(session, order_id)
        if (
            payment is None
            or payment.id != payment_id
            or payment.status != PaymentStatus.PENDING
            or not _abandoned(payment, order, now)
        ):
            return None  # settled, resumed or claimed meanwhile
        payment.updated_at = now
        if payment.stripe_id is None:  # nothing was confirmed, so nothing was charged
            if _payable(order, now):
                payment.locked_until = None  # the buyer's retry resumes it
            else:
                log.warning("abandoned payment of order %s charged nothing", order_id)
                payment.status = PaymentStatus.DECLINED.value
                payment.failure_message = ABANDONED
                payment.locked_until = None
            return None
        payment.locked_until = now + lease
        return _attempt(payment, resumed=True)


def _settle_abandoned(
    engine: Engine, gateway: StripeGateway, attempt: Attempt, lease: timedelta
) -> None:
    assert attempt.stripe_id is not None
    intent = gateway.retrieve(attempt.stripe_id)
    payable = _payable(load_order(engine, attempt.order_id), utcnow())
    if intent.status not in ("succeeded", "canceled") and not payable:
        gateway.cancel_quietly(intent.id)  # unconfirmed: make sure it never charges
        intent = gateway.retrieve(intent.id)
    log.warning(
        "abandoned payment of order %s: intent %s is %s", attempt.order_id, intent.id, intent.status
    )
    if intent.status == "succeeded":
        # As if its request had finished: paid, or refunded if the order was cancelled.
        with contextlib.suppress(Conflict):
            _finish_succeeded(engine, gateway, attempt, intent, lease)
    elif intent.status in ("canceled", "requires_payment_method"):
        _finish_declined(engine, attempt, DECLINED if payable else ABANDONED)
    else:  # e.g. never confirmed, order still payable: the buyer's retry confirms it
        _release(engine, attempt)


# -- refunds ----------------------------------------------------------------------


def refund_claimed(engine: Engine, gateway: StripeGateway, payment_id: str) -> bool:
    """Refund a `refund_pending` payment this caller holds the lease of."""
    with Session(engine) as session:
        payment = session.get(Payment, payment_id)
    assert payment is not None and payment.stripe_id is not None
    try:
        refund_id = gateway.refund(payment.order_id, payment.stripe_id)
    except Exception as exc:
        log.warning("refund for order %s failed, will retry: %s", payment.order_id, exc)
        with transaction(engine) as session:
            held = session.get(Payment, payment_id, with_for_update=True)
            if held is not None and held.status == PaymentStatus.REFUND_PENDING:
                held.locked_until = None
        return False
    with transaction(engine) as session:
        held = session.get(Payment, payment_id, with_for_update=True)
        if held is not None and held.status == PaymentStatus.REFUND_PENDING:
            held.status = PaymentStatus.REFUNDED.value
            held.refund_id = refund_id
            held.locked_until = None
            held.updated_at = utcnow()
    log.info("order %s refunded: %s", payment.order_id, refund_id)
    return True


def claim_refund(engine: Engine, payment_id: str, lease: timedelta) -> bool:
    with transaction(engine) as session:
        now = utcnow()
        payment = session.get(Payment, payment_id, with_for_update=True)
        if payment is None or payment.status != PaymentStatus.REFUND_PENDING:
            return False
        if payment.locked_until is not None and aware(payment.locked_until) > now:
            return False  # someone is refunding it right now
        payment.locked_until = now + lease
        return True


def refund_due(
    engine: Engine, gateway: StripeGateway, lease: timedelta, order_id: str | None = None
) -> int:
    """Refund every `refund_pending` payment nobody is refunding (of one order, or all)."""
    with Session(engine) as session:
        query = select(Payment.id).where(Payment.status == PaymentStatus.REFUND_PENDING)
        if order_id is not None:
            query = query.where(Payment.order_id == order_id)
        ids = list(session.exec(query).all())
    return sum(
        refund_claimed(engine, gateway, pid) for pid in ids if claim_refund(engine, pid, lease)
    )


def mark_for_refund(session: Session, order_id: str) -> None:
    """The order was cancelled: a charge that succeeded for it must be given back."""
    payment = _locked_payment(session, order_id)
    if payment is None or payment.status != PaymentStatus.SUCCEEDED:
        return  # nothing charged (an attempt in flight checks the order when it ends)
    log.warning("order %s was cancelled after it was paid: refunding", order_id)
    payment.status = PaymentStatus.REFUND_PENDING.value
    payment.locked_until = None
    payment.updated_at = utcnow()
    _retract_announcement(session, payment)


def _retract_announcement(session: Session, payment: Payment) -> None:
    """Drop the payment's `payment.created` if the outbox has not published it yet."""
    if payment.outbox_id is None:
        return
    query = (
        select(OutboxEvent)
        .where(OutboxEvent.id == payment.outbox_id)
        .where(col(OutboxEvent.published_at).is_(None))
        .with_for_update()  # waits for a relay publishing it right now
    )
    row = session.exec(query).first()
    if row is not None and row.published_at is None:
        session.delete(row)
        log.info("payment.created for order %s retracted before publication", payment.order_id)
