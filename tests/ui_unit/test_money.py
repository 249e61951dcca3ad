"""The UI's money parsing and formatting (stubhub_ui/models.py: pure, no Reflex)."""

from __future__ import annotations

import pytest

from contracts.rules import PRICE_MAX, PRICE_MIN, TITLE_MAX
from stubhub_ui.models import cents_to_input, money, parse_dollars, validate_title


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("25", 2500),
        ("25.50", 2550),
        ("25.5", 2550),
        ("$1,000", 100_000),
        (" $ 1,000.05 ", 100_005),
        ("0.50", 50),
        ("100000", 10_000_000),
    ],
)
def test_prices_typed_in_dollars_become_cents(typed: str, cents: int) -> None:
    assert parse_dollars(typed) == (cents, "")


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter a price"),
        ("   ", "Enter a price"),
        ("$", "Enter a price"),
        ("abc", "Enter a price in dollars, like 25 or 25.50"),
        ("25.5.0", "Enter a price in dollars, like 25 or 25.50"),
        ("NaN", "Enter a price in dollars, like 25 or 25.50"),
        ("Infinity", "Enter a price in dollars, like 25 or 25.50"),
        ("25.505", "Use at most two decimal places"),
        ("0.001", "Use at most two decimal places"),
    ],
)
def test_bad_prices_are_refused_with_a_message(typed: str, error: str) -> None:
    assert parse_dollars(typed) == (None, error)


def test_the_price_bounds_are_the_contracts() -> None:
    assert parse_dollars(cents_to_input(PRICE_MIN)) == (PRICE_MIN, "")
    assert parse_dollars(cents_to_input(PRICE_MAX)) == (PRICE_MAX, "")
    below, above = cents_to_input(PRICE_MIN - 1), cents_to_input(PRICE_MAX + 1)
    assert parse_dollars(below) == (None, f"The minimum price is {money(PRICE_MIN)}")
    assert parse_dollars(above) == (None, f"The maximum price is {money(PRICE_MAX)}")
    assert parse_dollars("-25")[0] is None
    assert parse_dollars("0")[0] is None


@pytest.mark.parametrize("cents", [PRICE_MIN, 2000, 2550, 123_456, PRICE_MAX])
def test_what_the_edit_form_shows_parses_back_to_the_same_price(cents: int) -> None:
    assert parse_dollars(cents_to_input(cents)) == (cents, "")


@pytest.mark.parametrize(
    ("cents", "shown"),
    [(None, ""), (0, "$0.00"), (5, "$0.05"), (2000, "$20.00"), (123_456, "$1,234.56")],
)
def test_money_is_shown_in_dollars(cents: int | None, shown: str) -> None:
    assert money(cents) == shown


def test_titles_are_required_and_bounded() -> None:
    assert validate_title("A" * TITLE_MAX) == ""
    assert validate_title(f"  {'A' * TITLE_MAX}  ") == ""  # measured trimmed
    assert validate_title("A" * (TITLE_MAX + 1)) == (
        f"Keep the title to {TITLE_MAX} characters or fewer"
    )
    assert validate_title("   ") == "Enter a title"
