"""The view models built from API objects (stubhub_ui/models.py: pure, no Reflex)."""

from __future__ import annotations

from datetime import UTC, datetime

from stubhub_ui.models import OrderView, TicketView, texts


def test_texts_reads_the_camel_case_key_of_each_field() -> None:
    data = {"id": "t1", "eventId": "e1", "userId": None, "orderId": 7}
    assert texts(data, "id", "event_id", "user_id", "order_id", "title") == {
        "id": "t1",
        "event_id": "e1",
        "user_id": "",
        "order_id": "7",
        "title": "",
    }


def test_a_ticket_shows_what_the_buyer_pays_and_what_the_seller_asked() -> None:
    view = TicketView.from_api(
        {
            "id": "t1",
            "title": "Show",
            "price": 2000,
            "allInPrice": 2350,
            "eventId": "e1",
            "userId": "u1",
            "orderId": "o1",
            "status": "reserved",
            "section": "112",
            "row": "F",
            "version": 3,
        }
    )
    assert (view.id, view.title, view.event_id, view.user_id, view.order_id) == (
        "t1",
        "Show",
        "e1",
        "u1",
        "o1",
    )
    assert (view.price, view.price_display, view.seller_price_display) == (
        2000,
        "$23.50",
        "$20.00",
    )
    assert (view.status, view.status_label, view.seat_display, view.version) == (
        "reserved",
        "Reserved",
        "Section 112 · Row F",
        3,
    )


def test_a_ticket_without_optional_fields_is_available_and_unseated() -> None:
    view = TicketView.from_api({"id": "t1", "title": "Show", "price": 500})
    assert (view.status, view.price_display, view.seat_display) == ("available", "$5.00", "")
    assert (view.event_id, view.user_id, view.order_id) == ("", "", "")


def _order(status: str, expires_at: str) -> dict[str, object]:
    return {
        "id": "o1",
        "status": status,
        "expiresAt": expires_at,
        "userId": "u1",
        "version": 1,
        "ticket": {"id": "t1", "title": "Show", "price": 2500},
    }


def test_an_order_carries_its_ticket_and_hold() -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    view = OrderView.from_api(_order("created", "2030-01-01T12:05:00Z"), now)
    assert (view.id, view.user_id, view.ticket_id, view.ticket_title) == ("o1", "u1", "t1", "Show")
    assert (view.expires_at, view.expires_display) == (
        "2030-01-01T12:05:00Z",
        "01 Jan 2030, 12:05 UTC",
    )
    assert (view.display_status, view.status_label, view.price_display) == (
        "created",
        "Awaiting payment",
        "$25.00",
    )


def test_a_cancelled_order_past_its_hold_reads_expired() -> None:
    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    lapsed = OrderView.from_api(_order("cancelled", "2030-01-01T11:59:00Z"), now)
    by_hand = OrderView.from_api(_order("cancelled", "2030-01-01T12:01:00Z"), now)
    assert (lapsed.status, lapsed.display_status, lapsed.status_label) == (
        "cancelled",
        "expired",
        "Expired",
    )
    assert (by_hand.display_status, by_hand.status_label) == ("cancelled", "Cancelled")


def test_an_order_of_several_tickets_shows_each_and_the_all_in_total() -> None:
    data = {
        **_order("complete", "2030-01-01T12:05:00Z"),
        "tickets": [
            {"id": "t1", "title": "Show — A 1", "price": 2500},
            {"id": "t/2", "title": "Show — A 2", "price": 2500},
        ],
        "subtotal": 5000,
        "fee": 500,
        "total": 5500,
    }
    view = OrderView.from_api(data)
    assert [(line.id, line.title, line.price_display) for line in view.lines] == [
        ("t1", "Show — A 1", "$25.00"),
        ("t/2", "Show — A 2", "$25.00"),
    ]
    assert [line.file_href for line in view.lines] == [
        "/api/tickets/t1/file",
        "/api/tickets/t%2F2/file",
    ]
    assert (view.count_label, view.subtotal_display, view.fee_display) == (
        "2 tickets",
        "$50.00",
        "$5.00",
    )
    assert (view.price, view.price_display) == (5500, "$55.00")


def test_an_order_from_before_fees_is_its_one_ticket_at_its_price() -> None:
    view = OrderView.from_api(_order("created", "2030-01-01T12:05:00Z"))
    assert [line.id for line in view.lines] == ["t1"]
    assert (view.count_label, view.fee_display, view.price_display) == (
        "1 ticket",
        "$0.00",
        "$25.00",
    )
