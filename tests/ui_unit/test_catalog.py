"""Events and seat groups as the pages show them (stubhub_ui/catalog.py: pure, no Reflex)."""

from __future__ import annotations

from typing import Any

import pytest

from stubhub_ui.catalog import EventView, buyer_price, event_query, group_tickets, pick


def ticket(n: int, **fields: Any) -> dict[str, Any]:
    base = {"id": f"t{n}", "price": 5000, "allInPrice": 5500, "userId": "seller"}
    base.update(section="A", row="1", seat=str(n), status="available")
    return {**base, **fields}


def test_an_event_shows_availability_and_the_lowest_all_in_price() -> None:
    view = EventView.from_api(
        {
            "id": "e1",
            "name": "Nils Frahm",
            "venue": "Barbican",
            "city": "London",
            "startsAt": "2031-06-14T19:30:00Z",
            "available": 3,
            "minPrice": 2750,
        }
    )
    assert (view.available_label, view.from_display) == ("3 tickets", "from $27.50")
    assert view.starts_display == "14 Jun 2031, 19:30 UTC"
    assert view.starts_at == "2031-06-14T19:30:00Z"


@pytest.mark.parametrize(
    ("available", "min_price", "label", "from_display"),
    [(0, None, "No tickets on sale", ""), (1, 999, "1 ticket left", "from $9.99")],
)
def test_sold_out_and_last_ticket(
    available: int, min_price: int | None, label: str, from_display: str
) -> None:
    view = EventView.from_api({"id": "e", "available": available, "minPrice": min_price})
    assert (view.available_label, view.from_display) == (label, from_display)


def test_buyers_see_the_all_in_price_and_the_price_when_there_is_none() -> None:
    assert buyer_price({"price": 5000, "allInPrice": 5500}) == 5500
    assert buyer_price({"price": 5000}) == 5000
    assert buyer_price({"price": 5000, "allInPrice": None}) == 5000


def test_search_parameters_are_trimmed_and_empty_ones_left_out() -> None:
    params, errors = event_query("  frahm ", "London", "2031-06-01", "2031-06-30")
    assert errors == {}
    assert params == {"q": "frahm", "city": "London", "from": "2031-06-01", "to": "2031-06-30"}
    assert event_query("", "  ", "", "") == ({}, {})


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("x" * 121, "", "", ""), "q"),
        (("", "c" * 121, "", ""), "city"),
        (("", "", "14/06/2031", ""), "from"),
        (("", "", "", "2031-02-30"), "to"),
        (("", "", "2031-06-30", "2031-06-01"), "to"),
    ],
)
def test_bad_search_values_are_named(args: tuple[str, str, str, str], field: str) -> None:
    _, errors = event_query(*args)
    assert list(errors) == [field]


def test_tickets_group_by_section_and_all_in_price_cheapest_first() -> None:
    tickets = [
        ticket(1, section="B", allInPrice=8800),
        ticket(10),
        ticket(2),
        ticket(3, allInPrice=6600),
        ticket(4, status="reserved"),
        {"id": "old", "price": 4000, "status": "available"},  # no seat, no all-in price
    ]
    groups = group_tickets(tickets)
    assert [(g.section_label, g.price_display, g.count) for g in groups] == [
        ("General admission", "$40.00", 1),
        ("Section A", "$55.00", 2),
        ("Section A", "$66.00", 1),
        ("Section B", "$88.00", 1),
    ]
    # Natural seat order: 2 before 10.
    assert groups[1].ticket_ids == ["t2", "t10"]
    assert groups[1].seats == ["Row 1, seat 2", "Row 1, seat 10"]
    assert groups[1].quantities == ["1", "2"]
    assert groups[0].seats == ["Unnumbered seat"]


def test_a_group_offers_at_most_ten_and_picks_that_many() -> None:
    group = group_tickets([ticket(n) for n in range(1, 13)])[0]
    assert group.count == 12
    assert group.quantities == [str(n) for n in range(1, 11)]
    assert pick(group, 3) == ["t1", "t2", "t3"]
    assert pick(group, 0) == []
    assert pick(group, 11) == []


def test_the_sellers_own_seats_are_apart_and_not_for_them_to_buy() -> None:
    tickets = [ticket(1), ticket(2, userId="me")]
    groups = group_tickets(tickets, me="me")
    assert [(g.ticket_ids, g.mine) for g in groups] == [(["t1"], False), (["t2"], True)]
    assert pick(groups[1], 1) == []
    # Signed out, all are for sale together.
    assert group_tickets(tickets)[0].ticket_ids == ["t1", "t2"]
