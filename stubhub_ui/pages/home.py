"""`/`: upcoming events first, then the tickets on sale; live."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import layout, price_tag, status_badge
from ..state import HomeState, SessionState
from .events import event_grid


def ticket_card(ticket) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("ticket", size=18, color=rx.color("accent", 9), aria_hidden="true"),
                    rx.spacer(),
                    status_badge(ticket.status, ticket.status_label, "ticket-status"),
                    width="100%",
                    align="center",
                ),
                rx.heading(
                    ticket.title,
                    size="4",
                    as_="h3",
                    class_name="clamp-2",
                    data_testid="ticket-title",
                ),
                rx.spacer(),
                rx.hstack(
                    price_tag(ticket.price_display, size="5"),
                    rx.spacer(),
                    rx.text("View", size="2", color_scheme="gray", aria_hidden="true"),
                    rx.icon(
                        "chevron_right", size=16, color=rx.color("gray", 10), aria_hidden="true"
                    ),
                    width="100%",
                    align="center",
                    spacing="1",
                ),
                spacing="3",
                height="100%",
                align="start",
            ),
            height="100%",
            class_name="ticket-card",
        ),
        href="/tickets/" + ticket.id,
        underline="none",
        color="inherit",
        data_testid="ticket-card",
        data_ticket_id=ticket.id,
        aria_label=ticket.title + ", " + ticket.price_display,
    )


def toolbar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.el.label("Search tickets", html_for="search", class_name="sr-only"),
            rx.input(
                rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
                id="search",
                name="q",
                type="search",
                placeholder="Search by event, artist, venue…",
                default_value=HomeState.q,
                on_change=HomeState.search.debounce(300),
                size="3",
                width="100%",
            ),
            on_submit=HomeState.submit_search,
            reset_on_submit=False,
            role="search",
            flex="1",
            min_width="220px",
        ),
        rx.hstack(
            rx.el.label("Sort", html_for="sort", class_name="sr-only"),
            rx.select.root(
                rx.select.trigger(id="sort", aria_label="Sort tickets", placeholder="Sort"),
                rx.select.content(
                    rx.select.item("Newest first", value="newest"),
                    rx.select.item("Price: low to high", value="price_asc"),
                    rx.select.item("Price: high to low", value="price_desc"),
                ),
                value=HomeState.sort,
                on_change=HomeState.set_sort,
                size="3",
            ),
            align="center",
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
        margin_bottom="1.25rem",
    )


def skeleton_grid() -> rx.Component:
    return rx.grid(
        *[rx.skeleton(rx.card(rx.box(height="120px")), loading=True) for _ in range(6)],
        columns=rx.breakpoints(initial="1", xs="2", md="3"),
        spacing="4",
        width="100%",
        aria_hidden="true",
    )


def empty_state() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("ticket_x", size=40, color=rx.color("gray", 9), aria_hidden="true"),
            rx.cond(
                HomeState.q != "",
                rx.text("No tickets match “", HomeState.q, "”.", size="4", weight="medium"),
                rx.text("No tickets for sale right now.", size="4", weight="medium"),
            ),
            rx.text(
                "New listings appear here the moment they're posted.", color_scheme="gray", size="2"
            ),
            rx.cond(
                SessionState.signed_in,
                rx.link(rx.button("Sell a ticket", variant="soft"), href="/tickets/new"),
            ),
            align="center",
            spacing="2",
        ),
        padding="3rem 1rem",
        data_testid="no-tickets",
    )


def pagination() -> rx.Component:
    return rx.cond(
        (HomeState.page > 1) | HomeState.has_more,
        rx.hstack(
            rx.button(
                rx.icon("chevron_left", size=16, aria_hidden="true"),
                "Previous",
                on_click=HomeState.prev_page,
                disabled=HomeState.page <= 1,
                variant="soft",
                id="prev-page",
            ),
            rx.text("Page ", HomeState.page, size="2", color_scheme="gray", id="page-number"),
            rx.button(
                "Next",
                rx.icon("chevron_right", size=16, aria_hidden="true"),
                on_click=HomeState.next_page,
                disabled=~HomeState.has_more,
                variant="soft",
                id="next-page",
            ),
            justify="center",
            align="center",
            spacing="4",
            margin_top="1.5rem",
            width="100%",
            aria_label="Pagination",
            role="navigation",
        ),
    )


def upcoming_events() -> rx.Component:
    return rx.cond(
        HomeState.upcoming.length() > 0,
        rx.el.section(
            rx.flex(
                rx.heading("Upcoming events", size="6", as_="h2"),
                rx.spacer(),
                rx.link("All events →", href="/events", id="all-events", size="3"),
                align="center",
                width="100%",
                margin_bottom="0.75rem",
            ),
            event_grid(HomeState.upcoming, "upcoming-events", heading="h3"),
            aria_label="Upcoming events",
            margin_bottom="2rem",
        ),
    )


def index() -> rx.Component:
    return layout(
        rx.vstack(
            rx.heading("Tickets on sale", size="8", as_="h1", id="page-title"),
            rx.text(
                "Buy tickets from fans who can't go. Every listing is held for you while you pay.",
                color_scheme="gray",
                size="3",
            ),
            spacing="1",
            margin_bottom="1.25rem",
        ),
        upcoming_events(),
        rx.heading("Latest listings", size="6", as_="h2", margin_bottom="0.75rem"),
        toolbar(),
        rx.cond(
            HomeState.error != "",
            rx.callout(
                HomeState.error,
                icon="triangle_alert",
                color_scheme="red",
                role="alert",
                margin_bottom="1rem",
            ),
        ),
        rx.cond(
            HomeState.loading & (HomeState.tickets.length() == 0),
            skeleton_grid(),
            rx.cond(
                HomeState.tickets.length() == 0,
                empty_state(),
                rx.box(
                    rx.grid(
                        rx.foreach(HomeState.tickets, ticket_card),
                        columns=rx.breakpoints(initial="1", xs="2", md="3"),
                        spacing="4",
                        width="100%",
                        id="ticket-list",
                        aria_busy=rx.cond(HomeState.loading, "true", "false"),
                    ),
                    pagination(),
                    width="100%",
                ),
            ),
        ),
    )
