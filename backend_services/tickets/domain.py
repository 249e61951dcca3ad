"""Listing rules, free of HTTP and SQL: who may edit, and how orders hold a ticket."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

# The buyer fee is written once in contracts.rules (orders and the UI use it too).
from contracts.rules import Fees as Fees


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


@dataclass(frozen=True)
class SeatRef:
    section: str | None
    row: str | None
    seat: str | None

    def key(self) -> tuple[str, str, str]:
        """What "the same seat" compares: case and surrounding space do not count."""
        section, row, seat = ((part or "").strip().casefold() for part in self.parts())
        return section, row, seat

    def label(self) -> str:
        words = zip(SEAT_WORDS, self.parts(), strict=True)
        return ", ".join(f"{word} {part}" for word, part in words if part)

    def parts(self) -> tuple[str | None, str | None, str | None]:
        return self.section, self.row, self.seat


SEAT_WORDS = ("Section", "Row", "Seat")


def repeated_seat(seats: Sequence[SeatRef]) -> SeatRef | None:
    """The first seat listed twice, or None."""
    seen: set[tuple[str, str, str]] = set()
    for seat in seats:
        if seat.key() in seen:
            return seat
        seen.add(seat.key())
    return None


def over_resale_cap(price: int, face_value: int, cap_percent: int) -> bool:
    """Exact in integers: price > face_value * cap / 100."""
    return price * 100 > face_value * cap_percent


def listing_title(event_name: str, seat: SeatRef, limit: int) -> str:
    title = f"{event_name} — {seat.label()}" if seat.label() else event_name
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def may_download(user_id: str, seller_id: str, status: TicketStatus, buyer_id: str | None) -> bool:
    """The seller always; the buyer only once their order is complete (the ticket sold)."""
    if user_id == seller_id:
        return True
    return status is TicketStatus.SOLD and buyer_id is not None and buyer_id == user_id


def file_blocker(status: TicketStatus, has_file: bool) -> str | None:
    """Why a file cannot be (re)placed now: a buyer may already hold the sold one."""
    if status is TicketStatus.SOLD and has_file:
        return "The ticket is sold: its file can no longer be replaced"
    return None


# What the first bytes of each accepted file type are (the type is never taken on trust).
MAGIC = {
    "application/pdf": b"%PDF-",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
}
MAGIC_BYTES = max(len(m) for m in MAGIC.values())


def content_matches(content_type: str, head: bytes) -> bool:
    magic = MAGIC.get(content_type)
    return magic is not None and head.startswith(magic)


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
