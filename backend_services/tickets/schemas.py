"""Request and response bodies of `/api/tickets` (camelCase on the wire)."""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import field_validator

from contracts.rules import PRICE_MAX, PRICE_MIN, TITLE_MAX, hostile_char
from contracts.wire import CamelModel

PRICE_MESSAGE = f"Price must be a whole number of cents from {PRICE_MIN} to {PRICE_MAX}"


def clean_title(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("Title must be text")
    if hostile_char(value) is not None:
        raise ValueError("Title must not contain NUL, invisible or direction-changing characters")
    title = value.strip()
    if not title:
        raise ValueError("Title is required")
    if len(title) > TITLE_MAX:
        raise ValueError(f"Title must be at most {TITLE_MAX} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in title):
        raise ValueError("Title must not contain control characters")
    return title


def check_price(value: Any) -> int:
    # Strictly an int: 20.5, 20.0, "2000" and true are all refused, never coerced.
    if type(value) is not int or not PRICE_MIN <= value <= PRICE_MAX:
        raise ValueError(PRICE_MESSAGE)
    return value


class TicketIn(CamelModel):
    title: str
    price: int

    @field_validator("title", mode="plain")
    @classmethod
    def _title(cls, value: Any) -> str:
        return clean_title(value)

    @field_validator("price", mode="plain")
    @classmethod
    def _price(cls, value: Any) -> int:
        return check_price(value)


class TicketUpdateIn(TicketIn):
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


class TicketOut(CamelModel):
    id: str
    title: str
    price: int
    user_id: str
    version: int
    order_id: str | None
    status: str
