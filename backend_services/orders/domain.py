"""The order state machine, free of HTTP and SQL.

    created --cancel/expire----------------------> cancelled
    created --payment.authorized (judged valid)---> complete

A complete order is never cancelled; cancelling a cancelled order changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    COMPLETE = "complete"


# The statuses that hold a ticket; at most one order per ticket may be in them.
HOLDING = (OrderStatus.CREATED, OrderStatus.COMPLETE)


class OrderIsComplete(Exception):
    """A paid order cannot be cancelled."""


@dataclass(frozen=True)
class FairUse:
    max_active_holds: int
    rehold_cooldown: timedelta


def hold_refusal(
    active_holds: int, recent_release: datetime | None, now: datetime, rules: FairUse
) -> str | None:
    """Why this buyer may not hold another ticket now, or None.

    `recent_release` is when the buyer's last released hold on this very ticket ran
    (or would have run) out: letting a hold lapse, or giving it up, and grabbing
    the ticket again at once would let one buyer keep a listing off the market.
    """
    if recent_release is not None and now < recent_release + rules.rehold_cooldown:
        wait = int((recent_release + rules.rehold_cooldown - now).total_seconds()) + 1
        return (
            "You held this ticket a moment ago; other buyers get a turn first. "
            f"Try again in {wait} seconds."
        )
    if active_holds >= rules.max_active_holds:
        return (
            f"You already hold {active_holds} tickets awaiting payment, the most at once. "
            "Pay for or cancel one of them first."
        )
    return None


def expires_at(now: datetime, window_seconds: int) -> datetime:
    return now + timedelta(seconds=window_seconds)


def cancels(status: OrderStatus) -> bool:
    """Whether a buyer's cancel changes an order in `status` (raises for a paid one)."""
    if status is OrderStatus.COMPLETE:
        raise OrderIsComplete()
    return status is OrderStatus.CREATED


def expires(status: OrderStatus) -> bool:
    """Whether an expired hold cancels an order in `status`: only an unpaid one."""
    return status is OrderStatus.CREATED


class PaymentVerdict(StrEnum):
    """Orders' answer to an authorization (`payment.authorized`)."""

    COMPLETE = "complete"
    ALREADY_APPLIED = "already_applied"  # this very payment completed the order
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    AMOUNT_MISMATCH = "amount_mismatch"
    ALREADY_COMPLETE = "already_complete"  # completed with another payment


def judge_payment(
    status: OrderStatus,
    expires_at: datetime,
    price: int,
    completed_with: str | None,
    payment_id: str,
    amount: int,
    now: datetime,
) -> PaymentVerdict:
    """Complete the order only if it is still `created`, unexpired and the amount is its
    price; anything else is rejected, and payments releases the hold (never a refund)."""
    if status is OrderStatus.COMPLETE:
        if completed_with == payment_id:
            return PaymentVerdict.ALREADY_APPLIED
        return PaymentVerdict.ALREADY_COMPLETE
    if status is OrderStatus.CANCELLED:
        return PaymentVerdict.CANCELLED
    if now >= expires_at:
        return PaymentVerdict.EXPIRED
    if amount != price:
        return PaymentVerdict.AMOUNT_MISMATCH
    return PaymentVerdict.COMPLETE
