"""Events and their seats as the pages show them (pure: no Reflex).

`/events` and the home page list events from the catalog (`GET /api/events`);
`/events/[id]` groups the event's tickets on sale by section and all-in price.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from contracts.rules import TICKETS_PER_ORDER_MAX

from .models import buyer_price, money, parse_time, short_time, texts

SEARCH_TEXT_MAX = 120  # the catalog's own limit on `q` and `city`


def availability_label(available: int) -> str:
    if available <= 0:
        return "No tickets on sale"
    return "1 ticket left" if available == 1 else f"{available} tickets"


@dataclasses.dataclass
class EventView:
    id: str = ""
    name: str = ""
    venue: str = ""
    city: str = ""
    # ISO-8601 UTC; the browser shows it in the visitor's own zone (assets/localtime.jsx).
    starts_at: str = ""
    # The same in UTC, shown until the browser has formatted it (and without script).
    starts_display: str = ""
    available: int = 0
    available_label: str = ""
    min_price: int = 0
    # "from $27.50" (all-in), or "" when nothing is on sale.
    from_display: str = ""

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> EventView:
        available = max(0, int(data.get("available") or 0))
        lowest = data.get("minPrice")
        lowest = int(lowest) if isinstance(lowest, int) else 0
        return cls(
            **texts(data, "id", "name", "venue", "city", "starts_at"),
            starts_display=short_time(parse_time(data.get("startsAt"))),
            available=available,
            available_label=availability_label(available),
            min_price=lowest,
            from_display=f"from {money(lowest)}" if available and lowest else "",
        )


def _day(text: str, label: str) -> tuple[str, str]:
    """("YYYY-MM-DD" or "", error)."""
    text = (text or "").strip()
    if not text:
        return "", ""
    try:
        return date.fromisoformat(text).isoformat(), ""
    except ValueError:
        return "", f"Enter the {label} date as YYYY-MM-DD"


def event_query(
    q: str, city: str, date_from: str, date_to: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The `GET /api/events` parameters of the search form, and its errors by field.

    Dates are whole days (the catalog reads YYYY-MM-DD as a UTC day, `to` inclusive).
    """
    params: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in (("q", q), ("city", city)):
        text = (value or "").strip()
        if len(text) > SEARCH_TEXT_MAX:
            errors[name] = f"Keep it to {SEARCH_TEXT_MAX} characters or fewer"
        elif text:
            params[name] = text
    start, errors["from"] = _day(date_from, "first")
    end, errors["to"] = _day(date_to, "last")
    if start and end and end < start:
        errors["to"] = "The last date must not be before the first"
    if start:
        params["from"] = start
    if end:
        params["to"] = end
    return params, {k: v for k, v in errors.items() if v}


def seat_label(section: str, row: str, seat: str) -> str:
    """ "Row F, seat 12" (the section is the group's heading)."""
    parts = [f"Row {row}" if row else "", f"seat {seat}" if seat else ""]
    text = ", ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] if text else "Unnumbered seat"


@dataclasses.dataclass
class SeatGroup:
    """Tickets on sale in one section at one all-in price (the seller's own apart)."""

    key: str = ""
    section: str = ""
    section_label: str = ""
    price: int = 0
    price_display: str = ""
    count: int = 0
    count_label: str = ""
    seats: list[str] = dataclasses.field(default_factory=list)
    ticket_ids: list[str] = dataclasses.field(default_factory=list)
    # "1".."n": how many a buyer may take at once (the order limit caps it).
    quantities: list[str] = dataclasses.field(default_factory=list)
    mine: bool = False


def _seat_order(ticket: dict[str, Any]) -> tuple[str, int, str, int, str]:
    """Rows and seats in natural order: row 2 before row 10, seat 9 before seat 11."""

    def natural(value: Any) -> tuple[int, str]:
        text = str(value or "")
        return (int(text), "") if text.isdigit() else (1 << 30, text)

    row, seat = natural(ticket.get("row")), natural(ticket.get("seat"))
    return (row[1], row[0], seat[1], seat[0], str(ticket.get("id") or ""))


def group_tickets(tickets: list[dict[str, Any]], me: str = "") -> list[SeatGroup]:
    """Tickets on sale grouped by (section, all-in price, mine), cheapest first."""
    buckets: dict[tuple[str, int, bool], list[dict[str, Any]]] = {}
    for ticket in tickets:
        if ticket.get("status", "available") != "available":
            continue
        section = str(ticket.get("section") or "")
        mine = bool(me) and ticket.get("userId") == me
        buckets.setdefault((section, buyer_price(ticket), mine), []).append(ticket)
    groups = []
    for (section, price, mine), rows in sorted(
        buckets.items(), key=lambda item: (item[0][1], item[0][0].casefold(), item[0][2])
    ):
        rows.sort(key=_seat_order)
        count = len(rows)
        groups.append(
            SeatGroup(
                key=f"{section}|{price}|{int(mine)}",
                section=section,
                section_label=f"Section {section}" if section else "General admission",
                price=price,
                price_display=money(price),
                count=count,
                count_label="1 ticket" if count == 1 else f"{count} tickets",
                seats=[
                    seat_label(section, str(t.get("row") or ""), str(t.get("seat") or ""))
                    for t in rows
                ],
                ticket_ids=[str(t.get("id")) for t in rows],
                quantities=[str(n) for n in range(1, min(count, TICKETS_PER_ORDER_MAX) + 1)],
                mine=mine,
            )
        )
    return groups


def pick(group: SeatGroup, quantity: int) -> list[str]:
    """The ids of `quantity` tickets of `group` (neighbouring seats first), or [] if it
    cannot be had."""
    if not 1 <= quantity <= min(group.count, TICKETS_PER_ORDER_MAX) or group.mine:
        return []
    return group.ticket_ids[:quantity]
