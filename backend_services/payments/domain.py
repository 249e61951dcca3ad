"""The payment state machine and the decisions on it, free of HTTP, SQL and Stripe.

One row per attempt (one PaymentIntent, `capture_method=manual`); at most one *live*
attempt per order (a partial unique index), so an order has at most one authorization.

    pending ──► requires_action ──► authorized ──► capture_due ──► captured ──► refunded
       │              │                  │
       │              ├─► failed         └──────► void_due ──► voided
       └─► failed     └─► void_due ──► voided

`authorized` is announced (`payment.authorized`); orders decides: `order.completed`
makes it `capture_due`, `order.payment_rejected` or `order.cancelled` `void_due`.
`*_due` rows are settled at Stripe by the settler (capture or cancel the intent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    COMPLETE = "complete"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # being created/confirmed at Stripe (or its outcome is unknown)
    REQUIRES_ACTION = "requires_action"  # 3-D Secure: the buyer must authenticate
    AUTHORIZED = "authorized"  # the amount is on hold; orders is deciding
    CAPTURE_DUE = "capture_due"  # orders completed the order: capture it
    VOID_DUE = "void_due"  # the order cannot take it: release the hold
    CAPTURED = "captured"
    VOIDED = "voided"
    FAILED = "failed"  # declined, or authentication failed; the order stays payable
    REFUNDED = "refunded"  # a captured payment refunded at Stripe (never by a race)


# An order has at most one attempt in these (a partial unique index says so).
LIVE = (
    PaymentStatus.PENDING,
    PaymentStatus.REQUIRES_ACTION,
    PaymentStatus.AUTHORIZED,
    PaymentStatus.CAPTURE_DUE,
    PaymentStatus.VOID_DUE,
    PaymentStatus.CAPTURED,
)
# What the API shows: the settler's to-do states are still holds to the buyer.
PUBLIC = {PaymentStatus.CAPTURE_DUE: "authorized", PaymentStatus.VOID_DUE: "authorized"}


def public_status(status: PaymentStatus) -> str:
    return PUBLIC.get(status, status.value)


class Refusal(StrEnum):
    """Why an order cannot be paid now (each a 409 to the buyer)."""

    ALREADY_PAID = "Order already paid"
    CANCELLED = "Order is cancelled"
    EXPIRED = "Order has expired"


def refusal(status: OrderStatus, expires_at: datetime, now: datetime) -> Refusal | None:
    if status is OrderStatus.COMPLETE:
        return Refusal.ALREADY_PAID
    if status is OrderStatus.CANCELLED:
        return Refusal.CANCELLED
    if now >= expires_at:
        return Refusal.EXPIRED
    return None


def refusal_for_live(status: PaymentStatus) -> Refusal | None:
    """A new attempt while this one is live: a hold or a charge already exists."""
    if status in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURE_DUE, PaymentStatus.CAPTURED):
        return Refusal.ALREADY_PAID
    return None


def too_many_declines(failed_attempts: int, limit: int) -> bool:
    return failed_attempts >= limit


@dataclass(frozen=True)
class DeclineLimits:
    """Card testing is refused (429): declines per order, and per buyer per window."""

    per_order: int
    per_buyer: int
    buyer_window: timedelta = timedelta(hours=1)


# -- following the PaymentIntent ------------------------------------------------------

# Stripe's PaymentIntent statuses that matter here.
REQUIRES_ACTION = "requires_action"
REQUIRES_CAPTURE = "requires_capture"
SUCCEEDED = "succeeded"
CANCELED = "canceled"
REQUIRES_PAYMENT_METHOD = "requires_payment_method"

_BEFORE_HOLD = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION)
_HELD = (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURE_DUE, PaymentStatus.VOID_DUE)


def follow_intent(
    current: PaymentStatus, intent_status: str, order_cancelled: bool
) -> PaymentStatus | None:
    """The attempt's next status given its PaymentIntent's *current* status at Stripe
    (from a request, a webhook or the reconciler alike); None: nothing to change.

    An authorization for an order already known to be cancelled goes straight to
    `void_due` (cancelled is final, so orders could only reject it)."""
    if intent_status == REQUIRES_ACTION and current is PaymentStatus.PENDING:
        return PaymentStatus.REQUIRES_ACTION
    if intent_status == REQUIRES_CAPTURE and current in _BEFORE_HOLD:
        return PaymentStatus.VOID_DUE if order_cancelled else PaymentStatus.AUTHORIZED
    if intent_status == REQUIRES_PAYMENT_METHOD and current in _BEFORE_HOLD:
        return PaymentStatus.FAILED
    if intent_status == CANCELED and (current in _BEFORE_HOLD or current in _HELD):
        return PaymentStatus.VOIDED
    if intent_status == SUCCEEDED and current in _HELD:
        return PaymentStatus.CAPTURED  # only our capture succeeds a manual intent
    return None


# -- stale attempts (the reconciler) --------------------------------------------------


class Settle(StrEnum):
    CAPTURE = "capture"
    VOID = "void"
    WAIT = "wait"


def settle_stale_hold(
    order_status: OrderStatus,
    order_payment_id: str | None,
    expires_at: datetime,
    payment_id: str,
    now: datetime,
    grace: timedelta,
) -> Settle:
    """An authorization orders has not decided on (as far as payments has heard).

    Capture only what orders completed with; void what it can no longer complete with.
    Orders never completes an order after `expiresAt`, so past it plus a grace period
    (clock skew, a slow consumer) an undecided hold is released."""
    if order_status is OrderStatus.COMPLETE:
        return Settle.CAPTURE if order_payment_id == payment_id else Settle.VOID
    if order_status is OrderStatus.CANCELLED or now >= expires_at + grace:
        return Settle.VOID
    return Settle.WAIT


def abandoned(locked_until: datetime | None, order_payable: bool, now: datetime) -> bool:
    """A `pending` attempt nobody is finishing: its holder died (the lease ran out), or
    it was released (Stripe unreachable) and the buyer can no longer retry it."""
    if locked_until is not None:
        return locked_until <= now
    return not order_payable
