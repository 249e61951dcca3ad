"""Request and response bodies of `/api/tickets` and `/api/listings` (camelCase on the wire)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import PlainValidator, field_validator

from contracts.rules import (
    PRICE_MAX,
    PRICE_MIN,
    SEAT_PART_MAX,
    SEATS_PER_LISTING_MAX,
    TITLE_MAX,
    hostile_char,
    plausible_id,
)
from contracts.wire import CamelModel

from .domain import SeatRef

PRICE_MESSAGE = f"Price must be a whole number of cents from {PRICE_MIN} to {PRICE_MAX}"
EVENT_ID_MESSAGE = "Event id must be the id of an event"


def clean_text(value: Any, what: str, limit: int) -> str | None:
    """Trimmed text without control or invisible characters, or None when blank."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text")
    text = value.strip()
    if not text:
        return None
    if len(text) > limit:
        raise ValueError(f"{what} must be at most {limit} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValueError(f"{what} must not contain control characters")
    if hostile_char(text) is not None:  # the contract's one text rule: Cs and Cf too
        raise ValueError(f"{what} must not contain invisible or direction-changing characters")
    return text


def clean_title(value: Any) -> str:
    title = clean_text(value, "Title", TITLE_MAX)
    if title is None:
        raise ValueError("Title is required")
    return title


def clean_seat_part(value: Any, what: str) -> str | None:
    return None if value is None else clean_text(value, what, SEAT_PART_MAX)


def check_price(value: Any, message: str = PRICE_MESSAGE) -> int:
    # Strictly an int: 20.5, 20.0, "2000" and true are all refused, never coerced.
    if type(value) is not int or not PRICE_MIN <= value <= PRICE_MAX:
        raise ValueError(message)
    return value


def check_event_id(value: Any) -> str:
    if not isinstance(value, str) or not plausible_id(value):
        raise ValueError(EVENT_ID_MESSAGE)
    return value


class SeatIn(CamelModel):
    section: str | None = None
    row: str | None = None
    seat: str | None = None

    @field_validator("section", "row", "seat", mode="plain")
    @classmethod
    def _part(cls, value: Any, info: Any) -> str | None:
        return clean_seat_part(value, str(info.field_name).capitalize())

    def ref(self) -> SeatRef:
        return SeatRef(self.section, self.row, self.seat)


def check_face_value(value: Any) -> int:
    return check_price(value, PRICE_MESSAGE.replace("Price", "Face value"))


# Strict, trimmed wire fields: each refuses bad input with its own message (a 400).
Title = Annotated[str, PlainValidator(clean_title)]
Price = Annotated[int, PlainValidator(check_price)]
FaceValue = Annotated[int, PlainValidator(check_face_value)]
EventId = Annotated[str, PlainValidator(check_event_id)]


class TicketIn(SeatIn):
    title: Title
    price: Price
    event_id: EventId | None = None


class TicketUpdateIn(CamelModel):
    title: Title
    price: Price
    # The version the client read; a stale one is refused instead of overwriting.
    version: int | None = None

    @field_validator("version", mode="plain")
    @classmethod
    def _version(cls, value: Any) -> int | None:
        if value is None:
            return None
        if type(value) is not int or value < 0:
            raise ValueError("Version must be a whole number of at least 0")
        return value


class ListingIn(CamelModel):
    event_id: EventId
    price: Price
    seats: list[SeatIn]
    face_value: FaceValue | None = None

    @field_validator("seats", mode="after")
    @classmethod
    def _seats(cls, seats: list[SeatIn]) -> list[SeatIn]:
        if not 1 <= len(seats) <= SEATS_PER_LISTING_MAX:
            raise ValueError(f"List from 1 to {SEATS_PER_LISTING_MAX} seats")
        return seats


class TicketOut(CamelModel):
    id: str
    title: str
    price: int
    all_in_price: int
    user_id: str
    version: int
    order_id: str | None
    status: str
    event_id: str | None
    section: str | None
    row: str | None
    seat: str | None
    listing_id: str | None
    has_file: bool


class ListingOut(CamelModel):
    id: str
    event_id: str
    price: int
    all_in_price: int
    tickets: list[TicketOut]
