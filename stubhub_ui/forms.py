"""Form checks done in Python before a service is called (pure: no Reflex)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from .models import parse_dollars, validate_title

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def safe_next(value: str | None) -> str:
    """Only same-site paths; never back to the auth pages."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or value.startswith("/\\"):
        return "/"
    if value.startswith("/auth/"):
        return "/"
    return value


def validate_credentials(form: Mapping[str, Any], signup: bool) -> tuple[str, dict[str, str]]:
    """The trimmed email and the errors by field of a sign-in or sign-up form."""
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Enter your email address"
    elif not EMAIL_RE.match(email):
        errors["email"] = "Enter a valid email address, like name@example.com"
    if not password:
        errors["password"] = "Enter your password"
    elif signup and not 8 <= len(password) <= 128:
        errors["password"] = "Use between 8 and 128 characters"
    return email, errors


def validate_listing(form: Mapping[str, Any]) -> tuple[str, int | None, dict[str, str]]:
    """The title as typed, the price in cents and the errors by field of a sell or edit form."""
    title = str(form.get("title") or "")
    errors: dict[str, str] = {}
    if msg := validate_title(title):
        errors["title"] = msg
    cents, msg = parse_dollars(str(form.get("price") or ""))
    if msg:
        errors["price"] = msg
    return title, cents, errors


def on_fields(errors: Mapping[str, str], fields: Collection[str]) -> dict[str, str]:
    """A service's errors by field, with those for fields the form lacks moved to `form`."""
    return {k if k in fields else "form": v for k, v in errors.items()}
