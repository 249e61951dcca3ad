"""The sell flow's checks and preview (stubhub_ui/listing.py: pure, no Reflex)."""

from __future__ import annotations

from contracts.rules import all_in_price
from stubhub_ui.listing import (
    ListingDraft,
    listing_errors,
    parse_seats,
    preview,
    validate_event,
    validate_listing,
)


def seats_form(*seats: tuple[str, str, str], **extra: str) -> dict[str, str]:
    form = dict(extra)
    for i, (section, row, seat) in enumerate(seats):
        form.update({f"section-{i}": section, f"row-{i}": row, f"seat-{i}": seat})
    return form


def test_a_valid_listing_becomes_the_api_body() -> None:
    form = seats_form(("112", "F", "11"), ("112", "F", " 12 "), price="45.50", faceValue="40")
    draft, errors = validate_listing(form, 2)
    assert errors == {}
    assert draft == ListingDraft(
        4550,
        4000,
        [
            {"section": "112", "row": "F", "seat": "11"},
            {"section": "112", "row": "F", "seat": "12"},
        ],
    )
    assert draft.body("ev1") == {
        "eventId": "ev1",
        "price": 4550,
        "faceValue": 4000,
        "seats": [
            {"section": "112", "row": "F", "seat": "11"},
            {"section": "112", "row": "F", "seat": "12"},
        ],
    }


def test_empty_seat_parts_and_face_value_are_left_out() -> None:
    draft, _ = validate_listing(seats_form(("GA", "", ""), price="20"), 1)
    assert draft is not None
    assert draft.body("e") == {"eventId": "e", "price": 2000, "seats": [{"section": "GA"}]}


def test_each_bad_field_is_named() -> None:
    form = seats_form(("A", "1", "1"), ("a", "1", "1"), price="abc", faceValue="-3")
    draft, errors = validate_listing(form, 2)
    assert draft is None
    assert set(errors) == {"price", "faceValue", "seats"}
    assert errors["seats"] == "Seat 2 is listed twice"
    assert "face value" in errors["faceValue"]


def test_a_seat_needs_something_and_each_part_at_most_20_characters() -> None:
    assert parse_seats(seats_form(("", "", "")), 1)[1] == "Seat 1: enter a section, row or seat"
    assert "20 characters" in parse_seats(seats_form(("A" * 21, "", "")), 1)[1]


def test_only_the_rows_shown_count_and_at_most_ten() -> None:
    form = seats_form(*[("A", "1", str(n)) for n in range(12)])
    assert len(parse_seats(form, 2)[0]) == 2
    assert len(parse_seats(form, 50)[0]) == 10
    assert len(parse_seats(form, 0)[0]) == 1


def test_the_apis_errors_land_on_the_sell_forms_fields() -> None:
    assert listing_errors(
        {"seats.section": "Section must be at most 20 characters", "price": "p", "x": "y"}
    ) == {"seats": "Section must be at most 20 characters", "price": "p", "form": "y"}
    assert listing_errors({"eventId": "Unknown event"}) == {"form": "Unknown event"}


def test_the_preview_uses_the_contracts_fee_rule() -> None:
    shown = preview("45.50", 2, 1000, 30)
    each = all_in_price(4550, 1000, 30)
    assert each == 4550 + 455 + 30
    assert (shown.buyer_pays, shown.you_receive) == ("$50.35", "$45.50")
    assert shown.totals == "2 seats: buyers pay $100.70, you receive $91.00"
    assert preview("45.50", 1, 1000, 0).totals == ""
    assert preview("not money", 1, 1000, 0).buyer_pays == ""


def test_a_new_event_needs_every_field() -> None:
    data, errors = validate_event(
        {
            "name": " Nils Frahm ",
            "venue": "Barbican",
            "city": "London",
            "startsAt": "2031-06-14T19:30",
        }
    )
    assert errors == {}
    assert data["name"] == "Nils Frahm"
    _, errors = validate_event({"name": "", "venue": "v" * 121, "startsAt": "tomorrow"})
    assert set(errors) == {"name", "venue", "city", "startsAt"}
