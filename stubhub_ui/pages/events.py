"""`/events`: upcoming events by text, city and dates, each with availability and the
lowest all-in price, live. `event_card` is also the home page's lead."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import LocalTime, error_callout, layout
from ..state import EventsState, SessionState


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
    return rx.link(
        rx.card(
            rx.vstack(
                rx.heading(
                    event.name,
                    size="4",
                    as_=heading,
                    class_name="clamp-2",
                    data_testid="event-name",
                ),
                event_when_where(event),
                rx.spacer(),
                rx.flex(
                    rx.badge(
                        event.available_label,
                        color_scheme=rx.cond(event.available > 0, "grass", "gray"),
                        variant="soft",
                        radius="full",
                        data_testid="event-available",
                        data_available=event.available,
                    ),
                    rx.spacer(),
                    rx.text(
                        event.from_display,
                        weight="bold",
                        high_contrast=True,
                        data_testid="event-from",
                    ),
                    width="100%",
                    align="center",
                    wrap="wrap",
                    gap="2",
                ),
                spacing="3",
                height="100%",
                align="start",
            ),
            height="100%",
            class_name="ticket-card",
        ),
        href="/events/" + event.id,
        underline="none",
        color="inherit",
        data_testid="event-card",
        data_event_id=event.id,
    )


def event_grid(events, list_id: str, heading: str = "h2") -> rx.Component:
    return rx.grid(
        rx.foreach(events, lambda e: event_card(e, heading)),
        columns=rx.breakpoints(initial="1", xs="2", md="3"),
        spacing="4",
        width="100%",
        id=list_id,
    )


SEARCH_INPUTS = ("event-q", "event-city", "event-from", "event-to")


def _search_field(label: str, name: str, value, input_id: str, **props) -> rx.Component:
    error = EventsState.search_errors.get(name, "")
    return rx.vstack(
        rx.el.label(label, html_for=input_id, class_name="field-label"),
        rx.input(
            id=input_id,
            name=name,
            default_value=value,
            size="3",
            width="100%",
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=f"error-{name}",
            **props,
        ),
        rx.box(
            rx.cond(
                error != "",
                rx.text(error, size="2", color_scheme="red", data_testid=f"error-{name}"),
            ),
            id=f"error-{name}",
            role="alert",
        ),
        spacing="1",
        flex="1",
        min_width=["100%", "160px"],
    )


def search_form() -> rx.Component:
    return rx.form(
        rx.flex(
            _search_field("Artist, event or venue", "q", EventsState.q, "event-q", type="search"),
            _search_field("City", "city", EventsState.city, "event-city", auto_complete="off"),
            _search_field("From", "from", EventsState.date_from, "event-from", type="date"),
            _search_field("To", "to", EventsState.date_to, "event-to", type="date"),
            rx.hstack(
                rx.button("Search", type="submit", size="3", id="event-search-submit"),
                rx.button(
                    "Clear",
                    type="button",
                    size="3",
                    variant="soft",
                    color_scheme="gray",
                    # The inputs are uncontrolled: empty them, then the search.
                    on_click=[
                        *[rx.set_value(i, "") for i in SEARCH_INPUTS],
                        EventsState.clear_search,
                    ],
                    id="event-search-clear",
                ),
                spacing="2",
                align="end",
            ),
            gap="3",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        on_submit=EventsState.submit_search,
        reset_on_submit=False,
        role="search",
        id="events-search",
        aria_label="Search events",
        margin_bottom="1.25rem",
    )


def _empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("calendar_x", size=40, color=rx.color("gray", 9), aria_hidden="true"),
            rx.text("No upcoming events match your search.", size="4", weight="medium"),
            rx.text("New events appear here the moment they're listed.", color_scheme="gray"),
            rx.cond(
                SessionState.signed_in,
                rx.link(rx.button("Sell tickets for a new event", variant="soft"), href="/sell"),
            ),
            align="center",
            spacing="2",
        ),
        padding="3rem 1rem",
        data_testid="no-events",
    )


def events() -> rx.Component:
    return layout(
        rx.vstack(
            rx.heading("Events", size="8", as_="h1", id="page-title"),
            rx.text(
                "Concerts, games and shows with tickets from fans. Prices include all fees.",
                color_scheme="gray",
                size="3",
            ),
            spacing="1",
            margin_bottom="1.25rem",
        ),
        search_form(),
        error_callout(EventsState.error, "error-list"),
        rx.cond(
            EventsState.loading & (EventsState.events.length() == 0),
            rx.center(rx.spinner(size="3"), padding="3rem", role="status", aria_label="Loading"),
            rx.cond(
                EventsState.events.length() == 0,
                _empty(),
                event_grid(EventsState.events, "events-list"),
            ),
        ),
    )
