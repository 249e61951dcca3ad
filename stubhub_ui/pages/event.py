"""`/events/[event_id]`: the event, its seats on sale grouped by section and all-in
price, and a quantity picker that holds that many seats in one order. Live."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator, call-overload"

from __future__ import annotations

import reflex as rx

from ..components import (
    back_link,
    detail_body,
    error_callout,
    grow,
    layout,
    link_button,
    members_link,
    missing_notice,
    muted,
    notice,
    stack,
    wrap_row,
)
from ..state import EventState, SessionState
from .events import event_when_where
from .routes import route


def _on_sale() -> rx.Component:
    return rx.text(
        rx.cond(
            EventState.on_sale > 0,
            rx.fragment(EventState.on_sale, " on sale · ", EventState.event.from_display),
            "No tickets on sale right now",
        ),
        weight="medium",
        data_testid="event-on-sale",
        data_count=EventState.on_sale,
        aria_live="polite",
    )


def _header() -> rx.Component:
    event = EventState.event
    about = grow(
        rx.heading(event.name, size="8", as_="h1", id="event-name", class_name="break-words"),
        event_when_where(event),
        _on_sale(),
        spacing="3",
    )
    sell = members_link(
        "Sell tickets for this event", "/sell?event=" + event.id, id="sell-for-event"
    )
    return rx.card(
        wrap_row(about, sell, gap="4", align="start"),
        size=rx.breakpoints(initial="2", sm="4"),
        width="100%",
        margin_bottom="1.25rem",
    )


def _quantity(group) -> rx.Component:
    return rx.el.label(
        rx.text("Quantity", size="2", weight="medium"),
        rx.el.select(
            rx.foreach(group.quantities, lambda q: rx.el.option(q, value=q)),
            value=EventState.quantities.get(group.key, "1"),
            on_change=lambda value: EventState.set_quantity(group.key, value),
            class_name="qty-select",
            data_testid="quantity",
        ),
        class_name="qty-label",
    )


def _buy(group) -> rx.Component:
    buy = rx.button(
        "Buy",
        on_click=EventState.buy(group.key),
        loading=EventState.buying_key == group.key,
        disabled=EventState.buying_key != "",
        size="3",
        data_testid="buy-seats",
    )
    signin = rx.link(
        rx.button("Sign in to buy", size="3", variant="soft"),
        href=SessionState.signin_href,
        data_testid="signin-to-buy",
    )
    return rx.cond(
        group.mine,
        rx.badge("Your seats", variant="outline", color_scheme="iris", size="2"),
        rx.cond(
            SessionState.signed_in,
            rx.hstack(_quantity(group), buy, spacing="3", align="end"),
            signin,
        ),
    )


def _group(group) -> rx.Component:
    price = rx.text(
        rx.text.strong(group.price_display, data_testid="group-price"),
        " each, fees included · ",
        rx.text.span(group.count_label, data_testid="group-count"),
        size="3",
    )
    seats = rx.flex(
        rx.foreach(
            group.seats, lambda seat: rx.badge(seat, variant="surface", color_scheme="gray")
        ),
        gap="1",
        wrap="wrap",
        data_testid="group-seats",
    )
    about = grow(
        rx.heading(group.section_label, size="4", as_="h2", data_testid="group-section"),
        price,
        seats,
        spacing="2",
    )
    return rx.card(
        wrap_row(about, _buy(group), gap="3", align="end"),
        data_testid="seat-group",
        data_count=group.count,
        width="100%",
    )


def _seats() -> rx.Component:
    none_yet = notice(
        "ticket_x",
        "No tickets on sale yet",
        "Seats appear here the moment a fan lists them.",
        testid="no-seats",
    )
    groups = stack(rx.foreach(EventState.groups, _group))
    return stack(
        error_callout(EventState.buy_error, "buy-error"),
        rx.cond(EventState.groups.length() == 0, none_yet, groups),
        muted(
            "We hold the seats you pick for you while you pay. Prices include all fees.", size="1"
        ),
        id="seat-groups",
    )


@route("/events/[event_id]", "Event", EventState.load)
def event() -> rx.Component:
    why = "This event doesn't exist, or the link is broken."
    gone = missing_notice("calendar_x", "Event", why, link_button("Browse events", "/events"))
    body = detail_body(
        EventState, EventState.event.id, gone, rx.box(_header(), _seats(), width="100%")
    )
    return layout(back_link("All events", "/events"), body)
