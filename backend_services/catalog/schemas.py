"""Request and response bodies of `/api/events` (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from backend_services.common.clock import utcnow
from contracts.rules import hostile_char
from contracts.wire import CamelModel

from . import domain

QUERY_TEXT_MAX = 120


class EventIn(CamelModel):
    name: str
    venue: str
    city: str
    starts_at: datetime

    @field_validator("name", "venue", "city", mode="plain")
    @classmethod
    def _text(cls, value: Any, info: Any) -> str:
        return domain.clean_text(value, str(info.field_name).capitalize())

    @field_validator("starts_at", mode="plain")
    @classmethod
    def _starts_at(cls, value: Any) -> datetime:
        starts_at = domain.parse_instant(value, "Start time")
        problem = domain.start_problem(starts_at, utcnow())
        if problem:
            raise ValueError(problem)
        return starts_at


class EventOut(CamelModel):
    id: str
    name: str
    venue: str
    city: str
    starts_at: datetime
    version: int
    available: int
    min_price: int | None


class EventQuery(CamelModel):
    """`GET /api/events` query: every bad value is reported, each under its own name."""

    q: str | None = None
    city: str | None = None
    # Exclusive of the upper bound's end: see domain.parse_bound.
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None
    limit: int = Field(default=50, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=1_000_000)

    @field_validator("q", "city", mode="after")
    @classmethod
    def _search_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > QUERY_TEXT_MAX:
            raise ValueError(f"Must be at most {QUERY_TEXT_MAX} characters")
        if hostile_char(value) is not None:
            raise ValueError("Must not contain NUL or invisible characters")
        return value.strip() or None

    @field_validator("from_", "to", mode="plain")
    @classmethod
    def _bound(cls, value: Any, info: Any) -> datetime | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("Must be a date (YYYY-MM-DD) or an ISO-8601 time")
        upper = info.field_name == "to"
        return domain.parse_bound(value, "to" if upper else "from", upper=upper)
