"""Form checks the UI makes before calling a service (stubhub_ui/forms.py)."""

from __future__ import annotations

import pytest

from stubhub_ui.forms import on_fields, safe_next, validate_credentials, validate_listing


@pytest.mark.parametrize(
    ("asked", "goes_to"),
    [
        ("/orders/abc", "/orders/abc"),
        ("/?q=jazz&sort=price_asc", "/?q=jazz&sort=price_asc"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/auth/signin", "/"),
        ("/auth/signout", "/"),
        # As a browser resolves them: tabs and newlines dropped, a backslash a slash.
        ("/\t/evil.example/", "/"),
        ("/\n/evil.example/", "/"),
        ("///evil.example/", "/"),
        ("/\\/evil.example/", "/"),
        ("/x/../auth/signin", "/"),
        ("/x/../orders", "/orders"),
        ("/orders#paid", "/orders#paid"),
    ],
)
def test_next_is_a_same_site_path_outside_auth(asked: str | None, goes_to: str) -> None:
    assert safe_next(asked) == goes_to


def test_credentials_are_checked_field_by_field() -> None:
    assert validate_credentials({"email": " a@b.co ", "password": "x"}, signup=False) == (
        "a@b.co",
        {},
    )
    _, errors = validate_credentials({"email": "not-an-email", "password": ""}, signup=False)
    assert set(errors) == {"email", "password"}
    _, errors = validate_credentials({}, signup=False)
    assert errors == {"email": "Enter your email address", "password": "Enter your password"}


def test_signup_passwords_are_8_to_128_characters() -> None:
    def password_error(password: str) -> str | None:
        return validate_credentials({"email": "a@b.co", "password": password}, True)[1].get(
            "password"
        )

    assert password_error("x" * 7) == "Use between 8 and 128 characters"
    assert password_error("x" * 8) is None
    assert password_error("x" * 128) is None
    assert password_error("x" * 129) == "Use between 8 and 128 characters"
    # Sign-in does not judge the length: the service says whether it matches.
    assert validate_credentials({"email": "a@b.co", "password": "x"}, False)[1] == {}


def test_a_listing_is_a_title_and_a_price_in_cents() -> None:
    assert validate_listing({"title": " Jazz night ", "price": "$1,000"}) == (
        " Jazz night ",
        100_000,
        {},
    )
    _, cents, errors = validate_listing({"title": "", "price": "12.345"})
    assert cents is None
    assert errors == {"title": "Enter a title", "price": "Use at most two decimal places"}


def test_service_errors_for_fields_the_form_lacks_go_above_the_form() -> None:
    errors = {"title": "Too long", "version": "Stale", "form": "Try again"}
    assert on_fields(errors, ("title", "price")) == {"title": "Too long", "form": "Try again"}
    assert on_fields({"price": "Too low"}, ("title", "price")) == {"price": "Too low"}
