"""Shared UI pieces: badges, notices, callouts, spinners, list and detail bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from .basics import icon_button, muted


class Countdown(rx.Component):
    """assets/countdown.jsx: a hold countdown driven by the server's measurement."""

    library = "$/public/countdown.jsx"
    tag = "Countdown"

    remaining_ms: rx.Var[int]
    stamp: rx.Var[int]
    expired_text: rx.Var[str]


class LocalTime(rx.Component):
    """assets/localtime.jsx: a UTC time shown in the visitor's own zone."""

    library = "$/public/localtime.jsx"
    tag = "LocalTime"

    iso: rx.Var[str]
    fallback: rx.Var[str]


def status_badge(status: rx.Var, label: rx.Var, testid: str) -> rx.Component:
    color = rx.match(
        status,
        ("available", "grass"),
        ("reserved", "amber"),
        ("sold", "gray"),
        ("created", "amber"),
        ("complete", "grass"),
        ("cancelled", "gray"),
        ("expired", "tomato"),
        "gray",
    )
    return rx.badge(
        label,
        color_scheme=color,
        variant="soft",
        radius="full",
        size="2",
        data_testid=testid,
        data_status=status,
    )


def loading_block(label: str = "Loading…") -> rx.Component:
    return rx.center(
        rx.hstack(
            rx.spinner(size="3"), rx.text(label, color_scheme="gray"), spacing="3", align="center"
        ),
        padding="3rem",
        width="100%",
        role="status",
        aria_live="polite",
        data_testid="loading",
    )


def notice(
    icon: str,
    title: str | rx.Var,
    body: rx.Component | str | rx.Var,
    *actions: rx.Component,
    testid: str = "notice",
) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.icon(icon, size=36, color=rx.color("accent", 9), aria_hidden="true"),
                rx.heading(title, size="5", as_="h2"),
                rx.text(body, color_scheme="gray", text_align="center")
                if not isinstance(body, rx.Component)
                else body,
                rx.hstack(*actions, spacing="3", wrap="wrap", justify="center"),
                align="center",
                spacing="3",
                padding="1rem",
            ),
            width="100%",
            max_width="480px",
            data_testid=testid,
        ),
        padding_y="2rem",
    )


def error_callout(message: rx.Var, testid: str = "error-form", **props) -> rx.Component:
    """`message` as an alert, nothing when it is empty."""
    return rx.cond(
        message != "",
        callout(message, "triangle_alert", "red", testid, role="alert", **props),
    )


def missing_notice(icon: str, thing: str, why: str, way_back: rx.Component) -> rx.Component:
    """The page of a `thing` ("Order") that does not exist (for this visitor)."""
    return notice(icon, f"{thing} not found", why, way_back, testid=f"{thing.lower()}-not-found")


def link_button(
    label: str, href: str | rx.Var, *, variant: str | None = None, **link_props
) -> rx.Component:
    """A button that goes to `href` (a link, so it opens in a new tab too)."""
    button = rx.button(label) if variant is None else rx.button(label, variant=variant)
    return rx.link(button, href=href, **link_props)


def price_tag(text: rx.Var, size: str = "5", testid: str = "ticket-price") -> rx.Component:
    return rx.text(text, size=size, weight="bold", data_testid=testid, high_contrast=True)


def back_link(text: str, href: str) -> rx.Component:
    """The "← text" link above a detail page."""
    arrow = rx.icon("arrow_left", size=16, aria_hidden="true")
    label = rx.hstack(arrow, rx.text(text), spacing="1", align="center")
    return rx.link(label, href=href, size="2", margin_bottom="1rem", display="inline-block")


def detail_body(
    state: Any, loaded_id: rx.Var, not_found_notice: rx.Component, body: rx.Component
) -> rx.Component:
    """One thing's page, from a state with `not_found`, `loading` and `error`:
    `not_found_notice`, or until `loaded_id` is set the load error or a spinner, then
    `body`."""
    return rx.cond(
        state.not_found,
        not_found_notice,
        rx.cond(
            state.loading | (loaded_id == ""),
            rx.cond(state.error != "", error_callout(state.error), loading_block()),
            body,
        ),
    )


def list_states(
    loading: rx.Var,
    items: rx.vars.ArrayVar,
    first_load: rx.Component,
    empty: rx.Component,
    content: rx.Component,
) -> rx.Component:
    """What a list shows: `first_load` while nothing has arrived yet, then `empty` or
    `content`."""
    return rx.cond(
        loading & (items.length() == 0),
        first_load,
        rx.cond(items.length() == 0, empty, content),
    )


def list_body(
    state: Any,
    items: rx.vars.ArrayVar,
    empty: rx.Component,
    row: Callable[[rx.Var], rx.Component],
    list_id: str,
) -> rx.Component:
    """A "My …" list, from a state with `loading` and `error`: the load error (if any)
    above a spinner on first load, then either `empty` or one `row` per item."""
    return rx.vstack(
        error_callout(state.error, "error-list"),
        list_states(
            state.loading,
            items,
            loading_block(),
            empty,
            rx.vstack(rx.foreach(items, row), spacing="3", width="100%", id=list_id),
        ),
        width="100%",
    )


def empty_state(
    icon: str, title: rx.Component, note: str, action: rx.Component, testid: str
) -> rx.Component:
    """A public list with nothing to show: why, what will appear, and what to do."""
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=40, color=rx.color("gray", 9), aria_hidden="true"),
            title,
            rx.text(note, color_scheme="gray", size="2"),
            action,
            align="center",
            spacing="2",
        ),
        padding="3rem 1rem",
        data_testid=testid,
    )


def lead(strong: str, rest: str) -> rx.Component:
    """Text that opens with a bold sentence."""
    return rx.text(rx.text.strong(strong), rest)


def callout(
    message: rx.Component | rx.Var | str, icon: str, color_scheme: str, testid: str, **props
) -> rx.Component:
    """A full-width callout that tests and screen readers can find by `testid`."""
    return rx.callout(
        message, icon=icon, color_scheme=color_scheme, data_testid=testid, width="100%", **props
    )


def pager(
    page: rx.vars.NumberVar, has_more: rx.vars.BooleanVar, on_prev: Any, on_next: Any
) -> rx.Component:
    """Previous / "Page n" / Next under a paged list, once there is more than one page."""
    return rx.cond(
        (page > 1) | has_more,
        rx.hstack(
            icon_button(
                "Previous", "chevron_left", on_click=on_prev, disabled=page <= 1, id="prev-page"
            ),
            muted("Page ", page, id="page-number"),
            icon_button(
                "Next",
                "chevron_right",
                icon_after=True,
                on_click=on_next,
                disabled=~has_more,
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
