"""Shared input rules: ids and text that can be stored, shown and searched safely.

A text field never holds NUL (PostgreSQL refuses it), a lone surrogate (not
encodable as UTF-8, so the database driver or the JSON encoder would fail) or an
invisible format character (category Cf: U+202E reverses how a title reads,
U+200B hides a difference between two emails). Refusing them at the edge, with a
400 naming the field, is what keeps such input from ever becoming a 5xx.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator

# Ids we issue are uuid4 hex; tests and older rows use short slugs. Anything else
# is unknown to us (404), and never reaches the database.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_REFUSED = {"Cs", "Cf"}
TEXT_MESSAGE = "Must not contain NUL, control, invisible or direction-changing characters"
SECRET_MESSAGE = "Must not contain NUL or unpaired surrogate characters"


def plausible_id(value: object) -> bool:
    """Ids are opaque, but never empty, huge or full of control characters."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def hostile_char(value: str, *, allow_format: bool = False) -> str | None:
    """The first character a text field must not hold, or None."""
    for ch in value:
        category = unicodedata.category(ch)
        if ch == "\x00" or category == "Cs" or (category == "Cf" and not allow_format):
            return ch
    return None


def check_text(value: Any) -> Any:
    """For `BeforeValidator`: refuse hostile characters, leave type checks to pydantic."""
    if isinstance(value, str) and hostile_char(value) is not None:
        raise ValueError(TEXT_MESSAGE)
    return value


def check_secret(value: Any) -> Any:
    """Passwords and tokens: any printable Unicode (emoji joiners are Cf), but never
    NUL or a lone surrogate, which no hash or database can take."""
    if isinstance(value, str) and hostile_char(value, allow_format=True) is not None:
        raise ValueError(SECRET_MESSAGE)
    return value


SafeText = Annotated[str, BeforeValidator(check_text)]
SecretText = Annotated[str, BeforeValidator(check_secret)]
