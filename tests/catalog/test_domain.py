"""The catalog's rules alone: no HTTP, no database, a fixed `now`."""

from datetime import UTC, datetime, timedelta

import pytest

from backend_services.catalog import domain

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "Name is required"),
        ("   ", "Name is required"),
        ("x" * 121, "Name must be at most 120 characters"),
        (12, "Name must be text"),
        (None, "Name must be text"),
        ("Tab\there", "Name must not contain control characters"),
        ("gpj.\u202eexe", "Name must not contain invisible or direction-changing characters"),
        ("zero\u200bwidth", "Name must not contain invisible or direction-changing characters"),
    ],
)
def test_text_that_is_refused(value: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        domain.clean_text(value, "Name")


def test_text_is_trimmed_and_may_be_120_characters() -> None:
    assert domain.clean_text("  Wembley  ", "Venue") == "Wembley"
    assert domain.clean_text("x" * 120, "Venue") == "x" * 120


def test_keys_ignore_case_width_and_runs_of_spaces() -> None:
    assert domain.key("Taylor  SWIFT ") == domain.key("taylor swift")
    assert domain.key("ÉCLAT Straße") == domain.key("éclat strasse")
    assert domain.key("\uff21\uff22\uff23") == domain.key("abc")  # full-width letters
    assert domain.key("Taylor Swift") != domain.key("Taylor Swifts")


def test_instants_need_an_offset_and_become_utc_whole_seconds() -> None:
    parsed = domain.parse_instant("2030-06-14T21:30:00.750+02:00", "Start time")
    assert parsed == datetime(2030, 6, 14, 19, 30, tzinfo=UTC)
    assert domain.parse_instant("2030-06-14T19:30:00Z", "x") == parsed
    for bad in ("2030-06-14T19:30:00", "tomorrow", "", 1_900_000_000, None):
        with pytest.raises(ValueError):
            domain.parse_instant(bad, "Start time")
    with pytest.raises(ValueError, match="out of range"):
        domain.parse_instant("9999-12-31T23:00:00-05:00", "Start time")


def test_an_event_starts_in_the_future_and_at_most_two_years_ahead() -> None:
    assert domain.start_problem(NOW, NOW) == "Start time must be in the future"
    assert domain.start_problem(NOW - timedelta(days=1), NOW) is not None
    assert domain.start_problem(NOW + timedelta(seconds=1), NOW) is None
    two_years = datetime(2032, 6, 1, 12, 0, tzinfo=UTC)
    assert domain.start_problem(two_years, NOW) is None
    assert domain.start_problem(two_years + timedelta(seconds=1), NOW) == (
        "Start time must be at most 2 years ahead"
    )


def test_the_horizon_of_a_leap_day_is_the_28th() -> None:
    leap = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert domain.horizon(leap) == datetime(2030, 2, 28, 9, 0, tzinfo=UTC)


def test_search_bounds_take_days_or_times_and_upper_bounds_are_exclusive() -> None:
    assert domain.parse_bound("2030-06-14", "from", upper=False) == datetime(
        2030, 6, 14, tzinfo=UTC
    )
    assert domain.parse_bound("2030-06-14", "to", upper=True) == datetime(2030, 6, 15, tzinfo=UTC)
    assert domain.parse_bound("2030-06-14T19:30:00Z", "to", upper=True) == datetime(
        2030, 6, 14, 19, 30, 1, tzinfo=UTC
    )
    assert domain.parse_bound("9999-12-31", "to", upper=True).year == 9999
    for bad in ("2030-02-30", "2030-13-01", "soon", "2030-06-14T19:30"):
        with pytest.raises(ValueError):
            domain.parse_bound(bad, "from", upper=False)


def test_a_ticket_change_touches_its_old_and_new_event_in_lock_order() -> None:
    assert domain.affected("b", "a") == ["a", "b"]
    assert domain.affected("a", "a") == ["a"]
    assert domain.affected(None, "a") == ["a"]
    assert domain.affected(None, None) == []
