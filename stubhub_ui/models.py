"""View models (what the pages render) and small formatting helpers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from pydantic.alias_generators import to_camel

from contracts.rules import PRICE_MAX as MAX_PRICE_CENTS
from contracts.rules import PRICE_MIN as MIN_PRICE_CENTS
from contracts.rules import TITLE_MAX as MAX_TITLE

STATUS_LABELS = {
    "available": "Available",
    "reserved": "Reserved",
    "sold": "Sold",
    "created": "Awaiting payment",
    "cancelled": "Cancelled",
    "expired": "Expired",
    "complete": "Complete",
}


def money(cents: int | None) -> str:
    """2000 -> "$20.00"; 123456 -> "$1,234.56"."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


def parse_dollars(text: str) -> tuple[int | None, str]:
    """Parse a price typed in dollars into cents: (cents, "") or (None, error message)."""
    raw = (text or "").strip().replace(",", "").replace(" ", "")
    if raw.startswith("$"):
        raw = raw[1:]
    if not raw:
        return None, "Enter a price"
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None, "Enter a price in dollars, like 25 or 25.50"
    if not value.is_finite():
        return None, "Enter a price in dollars, like 25 or 25.50"
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        return None, "Use at most two decimal places"
    cents = int(value * 100)
    if cents < MIN_PRICE_CENTS:
        return None, f"The minimum price is {money(MIN_PRICE_CENTS)}"
    if cents > MAX_PRICE_CENTS:
        return None, f"The maximum price is {money(MAX_PRICE_CENTS)}"
    return cents, ""


def cents_to_input(cents: int) -> str:
    dollars, rest = divmod(int(cents), 100)
    return f"{dollars}.{rest:02d}"


def validate_title(text: str) -> str:
    title = (text or "").strip()
    if not title:
        return "Enter a title"
    if len(title) > MAX_TITLE:
        return f"Keep the title to {MAX_TITLE} characters or fewer"
    return ""


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def short_time(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return dt.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


def texts(data: dict[str, Any], *fields: str) -> dict[str, str]:
    """View-model text fields copied from an API object, whose keys are the same names in
    camelCase (`event_id` from `eventId`); "" for a missing or null value."""
    return {field: str(data.get(to_camel(field)) or "") for field in fields}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.title())


def whole(data: dict[str, Any], key: str) -> int:
    """An integer field of an API object; 0 when it is missing or null."""
    return int(data.get(key) or 0)


def buyer_price(ticket: dict[str, Any]) -> int:
    """What a buyer pays for a ticket: its all-in price, or its price where the API
    does not give one (tickets from before Marketplace v2)."""
    all_in = ticket.get("allInPrice")
    return int(all_in) if isinstance(all_in, int) else whole(ticket, "price")


def seat_display(ticket: dict[str, Any]) -> str:
    labels = (("section", "Section"), ("row", "Row"), ("seat", "Seat"))
    return " · ".join(f"{label} {ticket[k]}" for k, label in labels if ticket.get(k))


@dataclasses.dataclass
class TicketView:
    id: str = ""
    title: str = ""
    # The seller's price; `price_display` is what a buyer pays (all-in where the API
    # gives `allInPrice`), `seller_price_display` what the seller asked.
    price: int = 0
    price_display: str = ""
    seller_price_display: str = ""
    event_id: str = ""
    # "Section 112 · Row F · Seat 12", or "" for a ticket without a seat.
    seat_display: str = ""
    status: str = ""
    status_label: str = ""
    user_id: str = ""
    order_id: str = ""
    version: int = 0

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> TicketView:
        status = str(data.get("status") or "available")
        price = whole(data, "price")
        return cls(
            **texts(data, "id", "title", "event_id", "user_id", "order_id"),
            price=price,
            price_display=money(buyer_price(data)),
            seller_price_display=money(price),
            seat_display=seat_display(data),
            status=status,
            status_label=status_label(status),
            version=whole(data, "version"),
        )


@dataclasses.dataclass
class OrderLine:
    """One ticket of an order, at the price it was offered for."""

    id: str = ""
    title: str = ""
    price_display: str = ""
    # The e-ticket, downloaded straight from the tickets service (CONTRACT §7), once
    # the seller has uploaded it (known only for a paid order: see OrderState).
    file_href: str = ""
    has_file: bool = False

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> OrderLine:
        line = texts(data, "id", "title")
        return cls(
            id=line["id"],
            title=line["title"],
            price_display=money(whole(data, "price")),
            file_href=f"/api/tickets/{quote(line['id'], safe='')}/file",
        )


@dataclasses.dataclass
class OrderView:
    id: str = ""
    status: str = ""
    # `expired` when a `cancelled` order's hold lapsed (it was not cancelled by hand).
    display_status: str = ""
    status_label: str = ""
    expires_at: str = ""
    expires_display: str = ""
    # The first ticket (the whole order, before orders of several tickets).
    ticket_id: str = ""
    ticket_title: str = ""
    # What the buyer pays, fee included (an order from before fees: its ticket's price).
    price: int = 0
    price_display: str = ""
    lines: list[OrderLine] = dataclasses.field(default_factory=list)
    count_label: str = ""  # "2 tickets"
    subtotal_display: str = ""
    fee_display: str = ""
    user_id: str = ""
    version: int = 0

    @classmethod
    def from_api(cls, data: dict[str, Any], now: datetime | None = None) -> OrderView:
        now = now or datetime.now(UTC)
        ticket = data.get("ticket") or {}
        tickets = [t for t in data.get("tickets") or [ticket] if isinstance(t, dict)]
        status = str(data.get("status") or "")
        expires = parse_time(data.get("expiresAt"))
        display = status
        if status == "cancelled" and expires is not None and expires <= now:
            display = "expired"
        subtotal = whole(data, "subtotal") or sum(whole(t, "price") for t in tickets)
        fee = whole(data, "fee")
        total = whole(data, "total") or subtotal + fee
        return cls(
            **texts(data, "id", "expires_at", "user_id"),
            status=status,
            display_status=display,
            status_label=status_label(display),
            expires_display=short_time(expires),
            ticket_id=str(ticket.get("id") or ""),
            ticket_title=str(ticket.get("title") or ""),
            price=total,
            price_display=money(total),
            lines=[OrderLine.from_api(t) for t in tickets],
            count_label=f"{len(tickets)} ticket" + ("" if len(tickets) == 1 else "s"),
            subtotal_display=money(subtotal),
            fee_display=money(fee),
            version=whole(data, "version"),
        )


# What the order page says about money (Payments v2): never "paid" before the capture.
PAID, PROCESSING, CONFIRM, NOT_CHARGED = "paid", "processing", "confirm", "not_charged"


def payment_phase(order_status: str, payment_status: str) -> str:
    """The order page's payment message for the order and its latest payment attempt;
    "" leaves the order's own outcome (or the payment form) on show."""
    if order_status == "complete":
        return PAID if payment_status == "captured" else PROCESSING
    if order_status == "created":
        if payment_status == "requires_action":
            return CONFIRM
        if payment_status == "authorized":
            return PROCESSING
        return ""
    return NOT_CHARGED if payment_status == "voided" else ""
