"""`/`: upcoming events first, then the tickets on sale; live."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    PRODUCT,
    card_grid,
    empty_state,
    error_callout,
    kept_form,
    layout,
    list_states,
    members_link,
    page_intro,
    pager,
    price_tag,
    search_input,
    split_row,
    status_badge,
    tile,
    wrap_row,
)
from ..state import HomeState
from .events import event_grid
from .routes import route


def ticket_card(ticket) -> rx.Component:
    return tile(
        split_row(
            rx.icon("ticket", size=18, color=rx.color("accent", 9), aria_hidden="true"),
            status_badge(ticket.status, ticket.status_label, "ticket-status"),
        ),
        rx.heading(
            ticket.title, size="4", as_="h3", class_name="clamp-2", data_testid="ticket-title"
        ),
        rx.spacer(),
        split_row(
            price_tag(ticket.price_display, size="5"),
            rx.text("View", size="2", color_scheme="gray", aria_hidden="true"),
            rx.icon("chevron_right", size=16, color=rx.color("gray", 10), aria_hidden="true"),
            spacing="1",
        ),
        href="/tickets/" + ticket.id,
        testid="ticket-card",
        data_ticket_id=ticket.id,
        aria_label=ticket.title + ", " + ticket.price_display,
    )


SORTS = (
    ("newest", "Newest first"),
    ("price_asc", "Price: low to high"),
    ("price_desc", "Price: high to low"),
)


def _sort_select() -> rx.Component:
    return rx.hstack(
        rx.el.label("Sort", html_for="sort", class_name="sr-only"),
        rx.select.root(
            rx.select.trigger(id="sort", aria_label="Sort tickets", placeholder="Sort"),
            rx.select.content(*[rx.select.item(label, value=key) for key, label in SORTS]),
            value=HomeState.sort,
            on_change=HomeState.set_sort,
            size="3",
        ),
        align="center",
    )


def _search() -> rx.Component:
    """Search as you type (the form's submit is for Enter)."""
    return kept_form(
        search_input(
            "Search tickets",
            "search",
            "Search by event, artist, venue…",
            rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
            label_class="sr-only",
            name="q",
            default_value=HomeState.q,
            on_change=HomeState.search.debounce(300),
        ),
        on_submit=HomeState.submit_search,
        role="search",
        flex="1",
        min_width="220px",
    )


def toolbar() -> rx.Component:
    return wrap_row(_search(), _sort_select(), spacing="3", align="center", margin_bottom="1.25rem")


def skeleton_grid() -> rx.Component:
    return card_grid(
        *[rx.skeleton(rx.card(rx.box(height="120px")), loading=True) for _ in range(6)],
        aria_hidden="true",
    )


def no_tickets() -> rx.Component:
    return empty_state(
        "ticket_x",
        rx.cond(
            HomeState.q != "",
            rx.text("No tickets match “", HomeState.q, "”.", size="4", weight="medium"),
            rx.text("No tickets for sale right now.", size="4", weight="medium"),
        ),
        "New listings appear here the moment they're posted.",
        members_link("Sell a ticket", "/tickets/new"),
        "no-tickets",
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


@route("/", f"{PRODUCT} — tickets from fans, for fans", HomeState.load, suffix=False)
def index() -> rx.Component:
    return layout(
        page_intro(
            "Tickets on sale",
            "Buy tickets from fans who can't go. Every listing is held for you while you pay.",
        ),
        upcoming_events(),
        rx.heading("Latest listings", size="6", as_="h2", margin_bottom="0.75rem"),
        toolbar(),
        error_callout(HomeState.error, "error-list", margin_bottom="1rem"),
        list_states(
            HomeState.loading,
            HomeState.tickets,
            skeleton_grid(),
            no_tickets(),
            rx.box(
                card_grid(
                    rx.foreach(HomeState.tickets, ticket_card),
                    id="ticket-list",
                    aria_busy=rx.cond(HomeState.loading, "true", "false"),
                ),
                pager(HomeState.page, HomeState.has_more, HomeState.prev_page, HomeState.next_page),
                width="100%",
            ),
        ),
    )
