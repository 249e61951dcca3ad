"""The order state machine, free of HTTP and SQL.

    created --cancel/expire--> cancelled
    created --payment--------> complete

A complete order is never cancelled; cancelling a cancelled order changes nothing.
"""

from __future__ import annotations

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


def completes(status: OrderStatus) -> bool:
    """Whether a payment completes an order in `status`.

    A payment for a cancelled order does not revive it (payments refunds it).
    """
    return status is OrderStatus.CREATED
