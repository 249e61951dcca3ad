"""`/events`: upcoming events by text, city and dates, each with availability and the
lowest all-in price, live. `event_card` is also the home page's lead."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    LocalTime,
    card_grid,
    empty_state,
    error_callout,
    form_field,
    kept_form,
    layout,
    list_states,
    members_link,
    page_intro,
    quiet_button,
    split_row,
    tile,
    wrap_row,
)
from ..state import EventsState
from .routes import route


def event_when_where(event) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon("calendar", size=14, aria_hidden="true"),
            LocalTime.create(
                iso=event.starts_at, fallback=event.starts_display, data_testid="event-start"
            ),
            spacing="2",
            align="center",
        ),
        rx.hstack(
            rx.icon("map_pin", size=14, aria_hidden="true"),
            rx.text(event.venue, ", ", event.city, data_testid="event-place"),
            spacing="2",
            align="center",
        ),
        spacing="1",
        color=rx.color("gray", 11),
        font_size="var(--font-size-2)",
    )


def event_card(event, heading: str = "h2") -> rx.Component:
    return tile(
        rx.heading(
            event.name, size="4", as_=heading, class_name="clamp-2", data_testid="event-name"
        ),
        event_when_where(event),
        rx.spacer(),
        split_row(
            rx.badge(
                event.available_label,
                color_scheme=rx.cond(event.available > 0, "grass", "gray"),
                variant="soft",
                radius="full",
                data_testid="event-available",
                data_available=event.available,
            ),
            rx.text(
                event.from_display, weight="bold", high_contrast=True, data_testid="event-from"
            ),
            wrap="wrap",
            spacing="2",
        ),
        href="/events/" + event.id,
        testid="event-card",
        data_event_id=event.id,
    )


def event_grid(events, list_id: str, heading: str = "h2") -> rx.Component:
    return card_grid(rx.foreach(events, lambda e: event_card(e, heading)), id=list_id)


SEARCH_INPUTS = ("event-q", "event-city", "event-from", "event-to")


def _search_field(label: str, name: str, value, input_id: str, **props) -> rx.Component:
    return rx.box(
        form_field(
            label,
            name,
            EventsState.search_errors,
            input_id=input_id,
            default_value=value,
            **props,
        ),
        flex="1",
        min_width=["100%", "160px"],
    )


def search_form() -> rx.Component:
    clear = quiet_button(
        "Clear",
        type="button",
        size="3",
        # The inputs are uncontrolled: empty them, then the search.
        on_click=[*[rx.set_value(i, "") for i in SEARCH_INPUTS], EventsState.clear_search],
        id="event-search-clear",
    )
    submit = rx.button("Search", type="submit", size="3", id="event-search-submit")
    return kept_form(
        wrap_row(
            _search_field("Artist, event or venue", "q", EventsState.q, "event-q", type="search"),
            _search_field("City", "city", EventsState.city, "event-city", auto_complete="off"),
            _search_field("From", "from", EventsState.date_from, "event-from", type="date"),
            _search_field("To", "to", EventsState.date_to, "event-to", type="date"),
            rx.hstack(submit, clear, spacing="2", align="end"),
            gap="3",
            align="end",
        ),
        on_submit=EventsState.submit_search,
        role="search",
        id="events-search",
        aria_label="Search events",
        margin_bottom="1.25rem",
    )


def _empty() -> rx.Component:
    return empty_state(
        "calendar_x",
        rx.text("No upcoming events match your search.", size="4", weight="medium"),
        "New events appear here the moment they're listed.",
        members_link("Sell tickets for a new event", "/sell"),
        "no-events",
    )


@route("/events", "Events", EventsState.load)
def events() -> rx.Component:
    return layout(
        page_intro(
            "Events",
            "Concerts, games and shows with tickets from fans. Prices include all fees.",
        ),
        search_form(),
        error_callout(EventsState.error, "error-list"),
        list_states(
            EventsState.loading,
            EventsState.events,
            rx.center(rx.spinner(size="3"), padding="3rem", role="status", aria_label="Loading"),
            _empty(),
            event_grid(EventsState.events, "events-list"),
        ),
    )
