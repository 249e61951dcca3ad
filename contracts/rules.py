"""Limits of the HTTP contract (CONTRACT.md §2 to §4), written once for services and UI."""

from __future__ import annotations

import re

COOKIE_NAME = "session"  # HttpOnly, SameSite=Lax, Path=/

PRICE_MIN = 50  # cents: Stripe's smallest charge
PRICE_MAX = 10_000_000
TITLE_MAX = 120

# Ids are opaque, but never empty, huge or full of control characters.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def plausible_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None
