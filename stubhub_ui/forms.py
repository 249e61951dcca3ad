"""Form checks done in Python before a service is called (pure: no Reflex)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from .models import parse_dollars, validate_title

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


_SELF = "http://self.invalid"


def safe_next(value: str | None) -> str:
    """Only a path on this site, as a browser would resolve it; never the auth pages.

    Read the way a browser reads it: tabs and newlines vanish and a backslash is a
    slash, so `/%09/evil.example/` is `//evil.example/`, another site. The value is
    resolved against this origin and kept only if it stays here.
    """
    raw = (value or "").strip()
    cleaned = re.sub(r"[\t\n\r]", "", raw).replace("\\", "/")
    if not cleaned.startswith("/") or cleaned.startswith("//"):  # `//`, `///`: another host
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return "/"
    parts = urlsplit(urljoin(_SELF + "/", cleaned))
    if f"{parts.scheme}://{parts.netloc}" != _SELF or not parts.path.startswith("/"):
        return "/"
    if parts.path.startswith("//") or parts.path.startswith("/auth/"):
        return "/"
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return parts.path + query + fragment


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
