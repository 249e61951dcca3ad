"""`/sell`: 1. pick the event (search) or create it, 2. seats, price and optional face value
with the "buyers pay / you receive" preview, listed in one request."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    form_field,
    icon_button,
    muted,
    page,
    private,
    quiet_button,
    search_input,
    stack,
    state_form,
)
from ..state import SellSeatsState as S
from .events import event_when_where
from .routes import route


def _step(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="5", as_="h2"), *children, spacing="4", width="100%"),
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
        **props,
    )


def _match(event) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(event.name, weight="bold", class_name="break-words"),
            event_when_where(event),
            spacing="1",
            align="start",
            flex="1",
            min_width="0",
        ),
        rx.button(
            "Choose",
            on_click=S.choose(event.id),
            variant="soft",
            data_testid="choose-event",
            data_event_id=event.id,
            aria_label="Choose " + event.name,
        ),
        gap="3",
        align="center",
        width="100%",
        padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="event-match",
    )


def _event_form() -> rx.Component:
    errors = S.event_errors
    return state_form(
        errors,
        form_field("Event name", "name", errors, input_id="new-event-name"),
        form_field("Venue", "venue", errors, input_id="new-event-venue"),
        form_field("City", "city", errors, input_id="new-event-city"),
        form_field(
            "Date and start time (your time zone)",
            "startsAt",
            errors,
            input_id="new-event-starts",
            type="datetime-local",
        ),
        rx.button("Create event", type="submit", loading=S.saving_event, id="create-event"),
        on_submit=S.create_event,
        id="event-form",
        label="Create an event",
        error_testid="error-event-form",
    )


def _pick_event() -> rx.Component:
    new_event = rx.button(
        rx.cond(S.creating, "Cancel new event", "Can't find it? Create the event"),
        on_click=S.toggle_create,
        variant="ghost",
        id="new-event",
    )
    matches = rx.box(
        rx.foreach(S.matches, _match),
        width="100%",
        id="event-matches",
        aria_busy=rx.cond(S.searching, "true", "false"),
    )
    search = search_input(
        "Find the event",
        "sell-event-q",
        "Artist, event or venue",
        default_value=S.event_q,
        on_change=S.search_events.debounce(250),
    )
    return stack(search, matches, new_event, rx.cond(S.creating, _event_form()))


def _chosen_event() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(S.event.name, weight="bold", size="4", id="chosen-event"),
            event_when_where(S.event),
            spacing="1",
            align="start",
            flex="1",
            min_width="0",
        ),
        rx.button("Change", on_click=S.change_event, variant="soft", id="change-event"),
        gap="3",
        align="center",
        width="100%",
    )


def _seat_input(part: str, label: str, i) -> rx.Component:
    input_id = f"{part}-" + i.to_string()
    return rx.vstack(
        rx.el.label(label, html_for=input_id, class_name="field-label"),
        rx.input(id=input_id, name=input_id, max_length=40, size="2", width="100%"),
        spacing="1",
        flex="1",
        min_width="0",
    )


SEAT_PARTS = (("section", "Section"), ("row", "Row"), ("seat", "Seat"))


def _seat_row(i) -> rx.Component:
    parts = rx.hstack(
        *[_seat_input(part, label, i) for part, label in SEAT_PARTS], spacing="2", width="100%"
    )
    legend = rx.el.legend(muted("Seat ", i + 1))
    return rx.el.fieldset(legend, parts, class_name="plain-fieldset", data_testid="seat-row")


def _seats() -> rx.Component:
    add = icon_button(
        "Add a seat",
        "plus",
        type="button",
        on_click=S.add_seat,
        disabled=S.max_seats,
        id="add-seat",
    )
    remove = quiet_button(
        "Remove the last",
        type="button",
        on_click=S.remove_seat,
        disabled=S.seat_count <= 1,
        id="remove-seat",
    )
    error = S.errors.get("seats", "")
    return stack(
        rx.foreach(S.seat_rows, _seat_row),
        rx.hstack(add, remove, spacing="2", wrap="wrap"),
        rx.box(
            rx.cond(error != "", rx.text(error, color_scheme="red", size="2")),
            id="error-seats",
            data_testid="error-seats",
            role="alert",
        ),
    )


def _preview() -> rx.Component:
    return rx.cond(
        S.buyer_pays != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("receipt", aria_hidden="true")),
            rx.callout.text(
                "Buyers pay ",
                rx.text.strong(S.buyer_pays, data_testid="preview-buyer-pays"),
                " per ticket, fees included; you receive ",
                rx.text.strong(S.you_receive, data_testid="preview-you-receive"),
                ".",
            ),
            rx.cond(
                S.totals != "", rx.callout.text(S.totals, size="2", data_testid="preview-totals")
            ),
            color_scheme="iris",
            data_testid="price-preview",
            aria_live="polite",
            width="100%",
        ),
    )


def _listing_form() -> rx.Component:
    price = form_field(
        "Price per ticket (US dollars, what you receive)",
        "price",
        S.errors,
        input_id="listing-price",
        input_mode="decimal",
        placeholder="45.00",
        on_change=S.set_price_text.debounce(200),
    )
    face_value = form_field(
        "Face value per ticket (optional)",
        "faceValue",
        S.errors,
        input_id="face-value",
        input_mode="decimal",
        hint="The price printed on the ticket. Some events cap resale prices.",
    )
    submit = rx.button("List seats", type="submit", size="3", loading=S.submitting, id="list-seats")
    return state_form(
        S.errors,
        _seats(),
        price,
        face_value,
        _preview(),
        submit,
        on_submit=S.submit,
        id="listing-form",
        label="Seats and price",
        spacing="4",
    )


def _flow() -> rx.Component:
    simple = rx.link("Use the simple form", href="/tickets/new", id="simple-sell")
    return stack(
        _step("1. The event", rx.cond(S.event.id != "", _chosen_event(), _pick_event())),
        rx.cond(S.event.id != "", _step("2. Seats and price", _listing_form())),
        muted("Selling a single ticket without an event? ", simple, "."),
        spacing="4",
        max_width="720px",
    )


@route("/sell", "Sell tickets", S.load)
def sell() -> rx.Component:
    return page("Sell tickets", private(_flow))
