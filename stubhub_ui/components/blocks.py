"""Shared UI pieces: badges, notices, spinners, form fields, list and detail bodies."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx


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


def error_callout(message: rx.Var, testid: str = "error-form") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle_alert",
            color_scheme="red",
            role="alert",
            data_testid=testid,
            width="100%",
        ),
    )


def form_field(
    label: str,
    name: str,
    error: rx.Var,
    *,
    input_id: str | None = None,
    hint: str = "",
    on_change=None,
    on_blur=None,
    **input_props,
) -> rx.Component:
    """A labelled input with its error (from the contract's `field`) right below it."""
    input_id = input_id or name
    error_id = f"error-{name}"
    hint_id = f"hint-{name}"
    described = f"{hint_id} {error_id}" if hint else error_id
    extra = {}
    if on_change is not None:
        extra["on_change"] = on_change
    if on_blur is not None:
        extra["on_blur"] = on_blur
    return rx.vstack(
        rx.el.label(label, html_for=input_id, class_name="field-label"),
        rx.input(
            id=input_id,
            name=name,
            size="3",
            width="100%",
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=described,
            color_scheme=rx.cond(error != "", "red", "gray"),
            **extra,
            **input_props,
        ),
        rx.text(hint, id=hint_id, size="1", color_scheme="gray") if hint else rx.fragment(),
        rx.box(
            rx.cond(
                error != "",
                rx.text(error, size="2", color_scheme="red", role="alert", data_testid=error_id),
            ),
            id=error_id,
        ),
        spacing="1",
        width="100%",
        align="stretch",
    )


def price_tag(text: rx.Var, size: str = "5", testid: str = "ticket-price") -> rx.Component:
    return rx.text(text, size=size, weight="bold", data_testid=testid, high_contrast=True)


def back_link(text: str, href: str) -> rx.Component:
    """The "← text" link above a detail page."""
    return rx.link(
        rx.hstack(
            rx.icon("arrow_left", size=16, aria_hidden="true"),
            rx.text(text),
            spacing="1",
            align="center",
        ),
        href=href,
        size="2",
        margin_bottom="1rem",
        display="inline-block",
    )


def detail_body(
    not_found: rx.Var,
    not_found_notice: rx.Component,
    pending: rx.Var,
    error: rx.Var,
    body: rx.Component,
) -> rx.Component:
    """A detail page: `not_found_notice`, or while `pending` the load error or a spinner,
    then `body`."""
    return rx.cond(
        not_found,
        not_found_notice,
        rx.cond(
            pending,
            rx.cond(error != "", error_callout(error), loading_block()),
            body,
        ),
    )


def list_row(
    badge: rx.Component,
    *lines: rx.Component,
    href: rx.Var,
    testid: str,
    **data: rx.Var,
) -> rx.Component:
    """One row of a "My …" list: a card linking to `href`, `lines` on the left, `badge` on
    the right; `data` are extra data_* attributes of the link."""
    return rx.link(
        rx.card(
            rx.flex(
                rx.vstack(
                    *lines,
                    spacing="1",
                    align="start",
                    flex="1",
                    min_width="0",
                ),
                badge,
                align="center",
                spacing="3",
                width="100%",
            ),
        ),
        href=href,
        underline="none",
        color="inherit",
        width="100%",
        display="block",
        data_testid=testid,
        **data,
    )


def list_body(
    loading: rx.Var,
    items: rx.vars.ArrayVar,
    error: rx.Var,
    empty: rx.Component,
    row: Callable[[rx.Var], rx.Component],
    list_id: str,
) -> rx.Component:
    """A "My …" list: a spinner on first load, then the load error (if any) above either
    `empty` or one `row` per item."""
    return rx.cond(
        loading & (items.length() == 0),
        loading_block(),
        rx.vstack(
            error_callout(error, "error-list"),
            rx.cond(
                items.length() == 0,
                empty,
                rx.vstack(
                    rx.foreach(items, row),
                    spacing="3",
                    width="100%",
                    id=list_id,
                ),
            ),
            width="100%",
        ),
    )
