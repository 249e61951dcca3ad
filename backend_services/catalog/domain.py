"""Catalog rules, free of HTTP and SQL: what an event's fields may be, and search bounds.

Every rule that depends on the time takes `now`, so it is tested without a clock.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

from contracts.rules import hostile_char

TEXT_MAX = 120  # name, venue and city
HORIZON_YEARS = 2  # an event may be listed at most this far ahead
ON_SALE = "available"  # the ticket status that counts towards `available` and `minPrice`

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def clean_text(value: Any, label: str) -> str:
    """Trimmed text of 1 to TEXT_MAX characters, no control characters."""
    if not isinstance(value, str):
        raise ValueError(f"{label} must be text")
    text = value.strip()
    if not text:
        raise ValueError(f"{label} is required")
    if len(text) > TEXT_MAX:
        raise ValueError(f"{label} must be at most {TEXT_MAX} characters")
    # Cs: a lone surrogate ("\ud800" in JSON) is no character and no database stores it.
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise ValueError(f"{label} must not contain control characters")
    if hostile_char(text) is not None:  # the contract's one text rule: Cf as well
        raise ValueError(f"{label} must not contain invisible or direction-changing characters")
    return text


def key(text: str) -> str:
    """What two spellings of one name share: case, width and runs of spaces ignored.

    Stored beside each name, venue and city; equality and search compare keys,
    so SQLite and PostgreSQL agree (their own lower() differ beyond ASCII).
    """
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def parse_instant(value: Any, label: str) -> datetime:
    """An ISO-8601 time with an offset, as UTC to the whole second."""
    example = f"{label} must be an ISO-8601 time such as 2030-06-14T19:30:00Z"
    if not isinstance(value, str):
        raise ValueError(example)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(example) from None
    if moment.tzinfo is None:
        raise ValueError(f"{label} must include a UTC offset (Z or +00:00)")
    try:
        return moment.astimezone(UTC).replace(microsecond=0)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past year 9999 in UTC
        raise ValueError(f"{label} is out of range") from None


def horizon(now: datetime) -> datetime:
    """The latest start that may be listed: the same moment HORIZON_YEARS later."""
    try:
        return now.replace(year=now.year + HORIZON_YEARS)
    except ValueError:  # 29 February: the day before the date that does not exist
        return now.replace(year=now.year + HORIZON_YEARS, day=28)


def start_problem(starts_at: datetime, now: datetime) -> str | None:
    """Why an event cannot start at `starts_at`, or None if it can."""
    if starts_at <= now:
        return "Start time must be in the future"
    if starts_at > horizon(now):
        return f"Start time must be at most {HORIZON_YEARS} years ahead"
    return None


def parse_bound(value: str, label: str, *, upper: bool) -> datetime:
    """A search bound: a time with an offset, or a whole UTC day (YYYY-MM-DD).

    An upper bound is returned exclusive: a day ends at the next midnight, a time
    includes its own second.
    """
    text = value.strip()
    if _DATE_ONLY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{label} is not a valid date") from None
        moment, step = datetime(day.year, day.month, day.day, tzinfo=UTC), timedelta(days=1)
    else:
        moment, step = parse_instant(text, label), timedelta(seconds=1)
    if not upper:
        return moment
    try:
        return moment + step
    except OverflowError:  # the last moment there is: nothing starts after it
        return datetime.max.replace(tzinfo=UTC)


def affected(*event_ids: str | None) -> list[str]:
    """The events whose availability a ticket change touches, in lock order."""
    return sorted({e for e in event_ids if e is not None})
