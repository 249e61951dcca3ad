"""Pydantic types for text fields that can be stored, shown and searched safely.

The rule itself (`hostile_char`: no NUL, lone surrogate or invisible format
character) and `plausible_id` live in `contracts.rules`, next to the other limits
of the contract. Refusing such input at the edge, with a 400 naming the field, is
what keeps it from ever becoming a 5xx.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from contracts.rules import hostile_char

TEXT_MESSAGE = "Must not contain NUL, control, invisible or direction-changing characters"
SECRET_MESSAGE = "Must not contain NUL or unpaired surrogate characters"


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
