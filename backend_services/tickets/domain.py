"""Listing rules, free of HTTP and SQL: who may edit, and how orders hold a ticket."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class TicketStatus(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    SOLD = "sold"


class Outcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    WAIT = "wait"  # another order's release has not arrived yet


@dataclass(frozen=True)
class Hold:
    status: TicketStatus
    order_id: str | None


AVAILABLE = Hold(TicketStatus.AVAILABLE, None)
Transition = Callable[[Hold, str], tuple["Outcome", Hold]]


def edit_blocker(status: TicketStatus) -> str | None:
    """Why a ticket in this status cannot be edited, or None if it can."""
    if status is TicketStatus.RESERVED:
        return "Ticket is reserved and cannot be edited"
    if status is TicketStatus.SOLD:
        return "Ticket is sold and cannot be edited"
    return None


def on_order_created(hold: Hold, order_id: str) -> tuple[Outcome, Hold]:
    if hold.order_id == order_id:
        return Outcome.UNCHANGED, hold
    if hold.status is TicketStatus.AVAILABLE:
        return Outcome.CHANGED, Hold(TicketStatus.RESERVED, order_id)
    if hold.status is TicketStatus.RESERVED:
        # Orders lets one active order hold a ticket, so the holder was cancelled
        # there and its cancellation is still on its way: wait for it.
        return Outcome.WAIT, hold
    # Sold to another order: no order can be created after a sale, so this one
    # is older and was cancelled long ago.
    return Outcome.UNCHANGED, hold


def on_order_cancelled(hold: Hold, order_id: str) -> tuple[Outcome, Hold]:
    """Release only a hold by this very order: a stale cancellation frees nothing."""
    if hold.order_id == order_id and hold.status is TicketStatus.RESERVED:
        return Outcome.CHANGED, AVAILABLE
    return Outcome.UNCHANGED, hold


def on_order_completed(hold: Hold, order_id: str) -> tuple[Outcome, Hold]:
    if hold.order_id == order_id and hold.status is TicketStatus.RESERVED:
        return Outcome.CHANGED, Hold(TicketStatus.SOLD, order_id)
    return Outcome.UNCHANGED, hold
