"""The order state machine, free of HTTP and SQL.

    created --cancel/expire----------------------> cancelled
    created --payment.authorized (judged valid)---> complete

A complete order is never cancelled; cancelling a cancelled order changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from contracts.rules import TICKETS_PER_ORDER_MAX, Fees


class OrderStatus(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"
    COMPLETE = "complete"


# The statuses that hold their tickets; at most one order per ticket may be in them.
HOLDING = (OrderStatus.CREATED, OrderStatus.COMPLETE)


def ticket_list_problem(ticket_ids: Sequence[str]) -> str | None:
    """Why a request's ticket ids cannot make an order (1 to 10 distinct), or None."""
    if not 1 <= len(ticket_ids) <= TICKETS_PER_ORDER_MAX:
        return f"Choose from 1 to {TICKETS_PER_ORDER_MAX} tickets"
    if len(set(ticket_ids)) != len(ticket_ids):
        return "Each ticket may appear only once"
    return None


@dataclass(frozen=True)
class Totals:
    """What an order costs: the tickets' prices, the buyer fee, and their sum (cents)."""

    subtotal: int
    fee: int

    @property
    def total(self) -> int:
        return self.subtotal + self.fee


def totals(prices: Sequence[int], fees: Fees) -> Totals:
    """The fee is charged per ticket, so the total is the sum of the all-in prices the
    buyer was shown for each seat (CONTRACT §7)."""
    return Totals(subtotal=sum(prices), fee=sum(fees.fee(p) for p in prices))


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

    `active_holds` counts the buyer's orders awaiting payment. `recent_release` is when
    the buyer's last released hold on any of these tickets ran (or would have run) out:
    letting a hold lapse, or giving it up, and grabbing the ticket again at once would
    let one buyer keep a listing off the market.
    """
    if recent_release is not None and now < recent_release + rules.rehold_cooldown:
        wait = int((recent_release + rules.rehold_cooldown - now).total_seconds()) + 1
        return (
            "You held this ticket a moment ago; other buyers get a turn first. "
            f"Try again in {wait} seconds."
        )
    if active_holds >= rules.max_active_holds:
        return (
            f"You already hold {active_holds} orders awaiting payment, the most at once. "
            "Pay for or cancel one of them first."
        )
    return None


@dataclass(frozen=True)
class Terms:
    """What a new order is held under: its window, fair use, and the buyer fee."""

    window_seconds: int
    fair_use: FairUse
    fees: Fees


@dataclass(frozen=True)
class Seen:
    """A requested ticket as orders knows it: its seller, and its holding order's status."""

    seller_id: str
    holder: OrderStatus | None = None


class Refusal(StrEnum):
    UNKNOWN = "Ticket not found"
    OWN = "You cannot buy your own ticket"
    RESERVED = "Ticket is already reserved"
    SOLD = "Ticket has already been sold"


def ticket_refusal(
    requested: Sequence[str], seen: Mapping[str, Seen], buyer_id: str
) -> Refusal | None:
    """Why these tickets cannot be held for this buyer, or None: an unknown ticket first
    (404), then one of the buyer's own (400), then one already held or sold (409)."""
    if any(ticket_id not in seen for ticket_id in requested):
        return Refusal.UNKNOWN
    found = [seen[ticket_id] for ticket_id in requested]
    if any(s.seller_id == buyer_id for s in found):
        return Refusal.OWN
    holders = {s.holder for s in found}
    if OrderStatus.COMPLETE in holders:
        return Refusal.SOLD
    if OrderStatus.CREATED in holders:
        return Refusal.RESERVED
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
    total: int,
    completed_with: str | None,
    payment_id: str,
    amount: int,
    now: datetime,
) -> PaymentVerdict:
    """Complete the order only if it is still `created`, unexpired and the amount is its
    total; anything else is rejected, and payments releases the hold (never a refund)."""
    if status is OrderStatus.COMPLETE:
        if completed_with == payment_id:
            return PaymentVerdict.ALREADY_APPLIED
        return PaymentVerdict.ALREADY_COMPLETE
    if status is OrderStatus.CANCELLED:
        return PaymentVerdict.CANCELLED
    if now >= expires_at:
        return PaymentVerdict.EXPIRED
    if amount != total:
        return PaymentVerdict.AMOUNT_MISMATCH
    return PaymentVerdict.COMPLETE
