"""Limits of the HTTP contract (CONTRACT.md §2 to §4), written once for services and UI."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COOKIE_NAME = "session"  # HttpOnly, SameSite=Lax, Path=/

PRICE_MIN = 50  # cents: Stripe's smallest charge
PRICE_MAX = 10_000_000
TITLE_MAX = 120

# Ids we issue are uuid4 hex; tests and older rows use short slugs. Anything else
# is unknown to us (404), and never reaches the database.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def plausible_id(value: object) -> bool:
    """Ids are opaque, but never empty, huge or full of control characters."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


# A text field never holds NUL (PostgreSQL refuses it), a lone surrogate (category
# Cs: not encodable as UTF-8) or an invisible format character (Cf: U+202E reverses
# how a title reads, U+200B hides a difference between two emails). Secrets may hold
# Cf (emoji joiners), never NUL or Cs.
def hostile_char(value: str, *, allow_format: bool = False) -> str | None:
    """The first character a text field must not hold, or None."""
    for ch in value:
        category = unicodedata.category(ch)
        if ch == "\x00" or category == "Cs" or (category == "Cf" and not allow_format):
            return ch
    return None


# Marketplace v2 (CONTRACT.md §7): buyers pay an all-in price, fee included.
DEFAULT_BUYER_FEE_BPS = 1000  # 10 %
DEFAULT_BUYER_FEE_FIXED = 0  # cents
SEATS_PER_LISTING_MAX = 10
TICKETS_PER_ORDER_MAX = 10
SEAT_PART_MAX = 20  # section, row, seat: each at most this many characters
TICKET_FILE_MAX_BYTES = 2 * 1024 * 1024
TICKET_FILE_TYPES = ("application/pdf", "image/png", "image/jpeg")


def buyer_fee(price: int, fee_bps: int, fee_fixed: int) -> int:
    """`price * fee_bps / 10000` rounded half up, plus the fixed part (integer cents)."""
    return (price * fee_bps + 5000) // 10000 + fee_fixed


def all_in_price(price: int, fee_bps: int, fee_fixed: int) -> int:
    return price + buyer_fee(price, fee_bps, fee_fixed)


@dataclass(frozen=True)
class Fees:
    """The buyer fee: basis points of the price plus a fixed amount (cents), per ticket."""

    bps: int = DEFAULT_BUYER_FEE_BPS
    fixed: int = DEFAULT_BUYER_FEE_FIXED

    def fee(self, price: int) -> int:
        return buyer_fee(price, self.bps, self.fixed)

    def all_in(self, price: int) -> int:
        return all_in_price(price, self.bps, self.fixed)
