"""The sell flow's checks and its price preview (pure: no Reflex).

A listing is several seats of one event at one price (`POST /api/listings`);
the event is picked from the catalog or created first (`POST /api/events`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from contracts.rules import SEAT_PART_MAX, SEATS_PER_LISTING_MAX, all_in_price

from .models import money, parse_dollars

EVENT_TEXT_MAX = 120  # name, venue, city (the catalog's limit)
EVENT_FIELDS = ("name", "venue", "city", "startsAt")
LISTING_FIELDS = ("eventId", "price", "faceValue", "seats")
SEAT_PARTS = ("section", "row", "seat")


def clamp_seat_count(count: int) -> int:
    return max(1, min(SEATS_PER_LISTING_MAX, count))


def validate_event(form: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """A new event's fields and the errors by API field name. `startsAt` is the browser's
    `datetime-local` value, `YYYY-MM-DDTHH:MM` in the seller's own zone, kept as
    `startsLocal` (the browser turns it into UTC)."""
    data: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in ("name", "venue", "city"):
        text = str(form.get(name) or "").strip()
        if not text:
            errors[name] = f"Enter the {name}"
        elif len(text) > EVENT_TEXT_MAX:
            errors[name] = f"Keep it to {EVENT_TEXT_MAX} characters or fewer"
        data[name] = text
    local = str(form.get("startsAt") or "").strip()
    try:
        datetime.strptime(local, "%Y-%m-%dT%H:%M")
    except ValueError:
        errors["startsAt"] = "Enter the date and start time"
    data["startsLocal"] = local
    return data, errors


def _seat_errors(seats: list[dict[str, str]]) -> str:
    seen: set[tuple[str, ...]] = set()
    for number, seat in enumerate(seats, start=1):
        if any(len(seat[part]) > SEAT_PART_MAX for part in SEAT_PARTS):
            return f"Seat {number}: keep each part to {SEAT_PART_MAX} characters or fewer"
        if not any(seat.values()):
            return f"Seat {number}: enter a section, row or seat"
        key = tuple(seat[part].casefold() for part in SEAT_PARTS)
        if key in seen:
            return f"Seat {number} is listed twice"
        seen.add(key)
    return ""


def parse_seats(form: Mapping[str, Any], count: int) -> tuple[list[dict[str, str]], str]:
    """Seats from the inputs `section-<i>`, `row-<i>`, `seat-<i>` (i < count), and an error."""
    seats = [
        {part: str(form.get(f"{part}-{i}") or "").strip() for part in SEAT_PARTS}
        for i in range(clamp_seat_count(count))
    ]
    return seats, _seat_errors(seats)


@dataclasses.dataclass(frozen=True)
class ListingDraft:
    price: int
    face_value: int | None
    seats: list[dict[str, str]]

    def body(self, event_id: str) -> dict[str, Any]:
        """The `POST /api/listings` body; empty seat parts are left out (null)."""
        body: dict[str, Any] = {
            "eventId": event_id,
            "price": self.price,
            "seats": [{k: v for k, v in seat.items() if v} for seat in self.seats],
        }
        if self.face_value is not None:
            body["faceValue"] = self.face_value
        return body


def validate_listing(
    form: Mapping[str, Any], count: int
) -> tuple[ListingDraft | None, dict[str, str]]:
    errors: dict[str, str] = {}
    price, msg = parse_dollars(str(form.get("price") or ""))
    if msg:
        errors["price"] = msg
    face_value = None
    face_text = str(form.get("faceValue") or "").strip()
    if face_text:
        face_value, msg = parse_dollars(face_text)
        if msg:
            errors["faceValue"] = msg.replace("a price", "the face value").replace(
                "price", "face value"
            )
    seats, msg = parse_seats(form, count)
    if msg:
        errors["seats"] = msg
    if errors or price is None:
        return None, errors
    return ListingDraft(price, face_value, seats), {}


def listing_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """The API's errors by field for the sell form: `seats.section` etc. under `seats`,
    unknown fields under `form`."""
    out: dict[str, str] = {}
    for field, message in errors.items():
        key = field.split(".", 1)[0]
        out.setdefault(key if key in LISTING_FIELDS else "form", message)
    if "eventId" in out:
        out["form"] = out.pop("eventId")
    return out


@dataclasses.dataclass(frozen=True)
class Preview:
    buyer_pays: str = ""
    you_receive: str = ""
    # "2 seats: buyers pay $55.00, you receive $50.00" (empty for one seat).
    totals: str = ""


def preview(price_text: str, count: int, fee_bps: int, fee_fixed: int) -> Preview:
    """What buyers pay (all-in, per ticket) and what the seller receives, or an empty
    preview while the price is not a valid one."""
    price, msg = parse_dollars(price_text)
    if price is None or msg:
        return Preview()
    each = all_in_price(price, fee_bps, fee_fixed)
    count = clamp_seat_count(count)
    totals = (
        f"{count} seats: buyers pay {money(each * count)}, you receive {money(price * count)}"
        if count > 1
        else ""
    )
    return Preview(money(each), money(price), totals)
