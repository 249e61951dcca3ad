"""Which open pages a batch of events affects (stubhub_ui/views.py: pure, no Reflex)."""

from __future__ import annotations

import pytest

from contracts.events import Subject
from stubhub_ui.views import (
    CATALOG_RECHECK,
    LIVE_SUBJECTS,
    NO_VIEW,
    Changes,
    View,
    ViewKind,
    affects,
)

SELLER, BUYER, OTHER = "user-seller", "user-buyer", "user-other"
T1, T2, O1, O2 = "ticket-1", "ticket-2", "order-1", "order-2"

HOME = View(ViewKind.HOME)
MINE = View(ViewKind.MINE)
ORDERS = View(ViewKind.ORDERS)


def changes(*events: tuple[str, dict[str, str]]) -> Changes:
    ch = Changes()
    for subject, data in events:
        ch.add(subject, data)
    return ch


def ticket_updated(ticket_id: str = T1, owner: str = SELLER) -> tuple[Subject, dict[str, str]]:
    return Subject.TICKET_UPDATED, {"id": ticket_id, "userId": owner, "orderId": O1}


def order_created(order_id: str = O1, buyer: str = BUYER) -> tuple[Subject, dict[str, str]]:
    return Subject.ORDER_CREATED, {"id": order_id, "userId": buyer, "status": "created"}


@pytest.mark.parametrize(
    "text", ["", "home", "mine", "orders", "ticket:t-1", "order:o-1", "ticket:a:b"]
)
def test_a_view_survives_its_string_form(text: str) -> None:
    assert str(View.parse(text)) == text


@pytest.mark.parametrize("text", ["nonsense", "auth", "ticket-1", ":x"])
def test_an_unknown_view_is_no_view(text: str) -> None:
    assert View.parse(text) == NO_VIEW
    assert not affects(NO_VIEW, BUYER, Changes(full=True))


def test_a_ticket_event_reaches_the_list_the_ticket_and_its_owners_tickets() -> None:
    ch = changes(ticket_updated())
    assert affects(HOME, "", ch)
    assert affects(View(ViewKind.TICKET, T1), "", ch)
    assert not affects(View(ViewKind.TICKET, T2), "", ch)
    assert affects(MINE, SELLER, ch)
    assert not affects(MINE, BUYER, ch)
    assert not affects(MINE, "", ch)
    # A ticket event names an order id, but order pages wait for the order's own events.
    assert not affects(View(ViewKind.ORDER, O1), BUYER, ch)
    assert not affects(ORDERS, BUYER, ch)


def test_a_sold_tickets_change_reaches_its_order_page_for_the_download() -> None:
    sold = (Subject.TICKET_UPDATED, {"id": T1, "userId": SELLER, "orderId": O1, "status": "sold"})
    ch = changes(sold)
    assert affects(View(ViewKind.ORDER, O1), BUYER, ch)
    assert not affects(View(ViewKind.ORDER, O1), "", ch)
    assert not affects(View(ViewKind.ORDER, O2), BUYER, ch)
    reserved = (Subject.TICKET_UPDATED, {**sold[1], "status": "reserved"})
    assert not affects(View(ViewKind.ORDER, O1), BUYER, changes(reserved))


def test_an_order_event_leaves_the_ticket_pages_alone() -> None:
    ch = changes(order_created())
    assert not affects(HOME, BUYER, ch)
    assert not affects(View(ViewKind.TICKET, T1), BUYER, ch)
    assert not affects(MINE, SELLER, ch)


def test_order_pages_are_refreshed_only_for_a_signed_in_tab() -> None:
    ch = changes(order_created())
    order_page = View(ViewKind.ORDER, O1)
    assert affects(order_page, BUYER, ch)
    assert not affects(order_page, "", ch)
    assert not affects(View(ViewKind.ORDER, O2), BUYER, ch)


def test_private_order_lists_are_wanted_only_by_their_owner() -> None:
    ch = changes(order_created(O2, BUYER))
    # Before the tab's list is known: any signed-in /orders might show it.
    assert affects(ORDERS, BUYER, ch)
    assert affects(ORDERS, OTHER, ch)
    assert not affects(ORDERS, "", ch)
    # With the list: the buyer's own page wants it, another user's does not.
    assert affects(ORDERS, BUYER, ch, listed=[])
    assert not affects(ORDERS, OTHER, ch, listed=[O1])
    assert not affects(ORDERS, "", ch, listed=[])


def test_an_order_event_without_its_buyer_reaches_the_lists_that_show_the_order() -> None:
    # order.cancelled / order.completed / order.payment_rejected / payment.* do not name
    # the buyer.
    for ch in (
        changes((Subject.ORDER_CANCELLED, {"id": O1})),
        changes((Subject.ORDER_COMPLETED, {"id": O1})),
        changes((Subject.ORDER_PAYMENT_REJECTED, {"id": O1, "paymentId": "pay-1"})),
        changes((Subject.PAYMENT_AUTHORIZED, {"id": "pay-1", "orderId": O1})),
        changes((Subject.PAYMENT_CAPTURED, {"id": "pay-1", "orderId": O1})),
        changes((Subject.PAYMENT_VOIDED, {"id": "pay-1", "orderId": O1})),
    ):
        assert ch.orders == {O1}
        assert affects(ORDERS, BUYER, ch, listed=[O2, O1])
        assert not affects(ORDERS, OTHER, ch, listed=[O2])
        assert affects(View(ViewKind.ORDER, O1), BUYER, ch)


def test_a_reconnect_refreshes_every_live_page() -> None:
    ch = Changes(full=True)
    assert ch
    for view in (HOME, MINE, ORDERS, View(ViewKind.TICKET, T1), View(ViewKind.ORDER, O1)):
        assert affects(view, BUYER, ch, listed=[])
    assert not affects(NO_VIEW, BUYER, ch)


def test_events_that_change_no_page_are_ignored() -> None:
    ch = changes((Subject.EXPIRATION_COMPLETE, {"orderId": O1}), ("nonsense.subject", {"id": T1}))
    assert not ch
    assert Subject.EXPIRATION_COMPLETE not in LIVE_SUBJECTS
    # An event missing its ids changes nothing either.
    assert not changes((Subject.TICKET_CREATED, {}), (Subject.ORDER_CREATED, {"id": ""}))


# ------------------------------------------------------------ events (Marketplace v2)

EVENTS = View(ViewKind.EVENTS)
E1, E2 = "event-1", "event-2"


def test_a_ticket_of_an_event_reaches_that_events_page_and_the_event_lists() -> None:
    ch = changes((Subject.TICKET_CREATED, {"id": T1, "userId": SELLER, "eventId": E1}))
    assert affects(View(ViewKind.EVENT, E1), "", ch)
    assert not affects(View(ViewKind.EVENT, E2), "", ch)
    assert affects(EVENTS, "", ch)
    assert affects(HOME, "", ch)


def test_a_ticket_without_an_event_leaves_the_event_pages_alone() -> None:
    ch = changes(ticket_updated())
    assert not affects(View(ViewKind.EVENT, E1), "", ch)
    assert not affects(EVENTS, "", ch)
    assert ch.recheck() is None


def test_a_new_or_changed_event_reaches_its_page_and_the_lists() -> None:
    for subject in (Subject.EVENT_CREATED, Subject.EVENT_UPDATED):
        ch = changes((subject, {"id": E2, "name": "x"}))
        assert subject in LIVE_SUBJECTS
        assert affects(EVENTS, "", ch)
        assert affects(HOME, "", ch)
        assert affects(View(ViewKind.EVENT, E2), "", ch)
        assert not affects(View(ViewKind.TICKET, T1), "", ch)
        # Nothing to recount: the catalog wrote the event itself.
        assert ch.recheck() is None


def test_the_catalog_is_looked_at_again_for_events_whose_tickets_changed() -> None:
    ch = changes(
        (Subject.TICKET_UPDATED, {"id": T1, "userId": SELLER, "eventId": E2}),
        (Subject.TICKET_CREATED, {"id": T2, "userId": SELLER, "eventId": E1}),
    )
    follow = ch.recheck()
    assert follow == {"ids": [E1, E2]}
    again = changes((CATALOG_RECHECK, follow))
    assert affects(EVENTS, "", again)
    assert affects(View(ViewKind.EVENT, E1), "", again)
    assert not affects(View(ViewKind.TICKET, T1), "", again)
    # The second look asks for no third.
    assert again.recheck() is None
