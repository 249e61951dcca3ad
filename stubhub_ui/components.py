"""Shared UI pieces: the page layout and header, badges, cards, form fields."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from .state import SessionState, SignoutState

PRODUCT = "StubHub"
MAX_WIDTH = "1080px"


class Countdown(rx.Component):
    """assets/countdown.jsx: a hold countdown driven by the server's measurement."""

    library = "$/public/countdown.jsx"
    tag = "Countdown"

    remaining_ms: rx.Var[int]
    stamp: rx.Var[int]
    expired_text: rx.Var[str]


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


def nav_link(text: str, href: str, id_: str) -> rx.Component:
    return rx.link(
        text,
        href=href,
        id=id_,
        size="2",
        weight="medium",
        underline="hover",
        color_scheme="gray",
        high_contrast=True,
    )


# The signed-in navigation, shown as links on wide screens and as a menu on phones:
# (text, href, key); the ids are nav-<key> in the header links, navm-<key> in the menu.
_MEMBER_LINKS = (
    ("Sell tickets", "/tickets/new", "sell"),
    ("My tickets", "/tickets/mine", "mine"),
    ("My orders", "/orders", "orders"),
)


def _signout_button(id_: str) -> rx.Component:
    # A button that POSTs, not a link: following a link never signs anyone out.
    return rx.button(
        "Sign out",
        on_click=SignoutState.sign_out,
        id=id_,
        variant="ghost",
        color_scheme="gray",
        high_contrast=True,
        size="2",
        weight="medium",
    )


def _desktop_links() -> rx.Component:
    return rx.cond(
        SessionState.session_checked,
        rx.cond(
            SessionState.signed_in,
            rx.hstack(
                *[nav_link(text, href, f"nav-{key}") for text, href, key in _MEMBER_LINKS],
                _signout_button("nav-signout"),
                spacing="5",
                align="center",
            ),
            rx.hstack(
                nav_link("Sign in", "/auth/signin", "nav-signin"),
                rx.link(rx.button("Sign up", size="2"), href="/auth/signup", id="nav-signup"),
                spacing="4",
                align="center",
            ),
        ),
        rx.box(width="1px"),
    )


def _menu_item(text: str, href: str, id_: str) -> rx.Component:
    return rx.menu.item(
        rx.link(text, href=href, id=id_, color_scheme="gray", high_contrast=True, width="100%")
    )


def _mobile_menu() -> rx.Component:
    member_items = [_menu_item(text, href, f"navm-{key}") for text, href, key in _MEMBER_LINKS]
    return rx.cond(
        SessionState.session_checked,
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("menu", size=20),
                    variant="ghost",
                    size="3",
                    aria_label="Open menu",
                    id="nav-menu",
                ),
            ),
            rx.menu.content(
                rx.cond(
                    SessionState.signed_in,
                    rx.fragment(
                        *member_items,
                        rx.menu.separator(),
                        rx.menu.item("Sign out", on_click=SignoutState.sign_out, id="navm-signout"),
                    ),
                    rx.fragment(
                        _menu_item("Sign in", "/auth/signin", "navm-signin"),
                        _menu_item("Sign up", "/auth/signup", "navm-signup"),
                    ),
                ),
                align="end",
            ),
        ),
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.flex(
            rx.link(
                rx.hstack(
                    rx.icon("ticket", size=26, color=rx.color("accent", 9), aria_hidden="true"),
                    rx.text(PRODUCT, size="5", weight="bold", high_contrast=True),
                    spacing="2",
                    align="center",
                ),
                href="/",
                underline="none",
                id="nav-home",
                aria_label=f"{PRODUCT} home",
            ),
            rx.spacer(),
            rx.tablet_and_desktop(_desktop_links()),
            rx.mobile_only(_mobile_menu()),
            align="center",
            width="100%",
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding_x=["1rem", "1rem", "1.5rem"],
            padding_y="0.75rem",
        ),
        rx.cond(
            SessionState.signed_in,
            rx.box(
                rx.text(
                    "Signed in as ",
                    rx.text.strong(SessionState.user_email, id="current-user"),
                    size="1",
                    color_scheme="gray",
                ),
                max_width=MAX_WIDTH,
                margin_x="auto",
                padding_x=["1rem", "1rem", "1.5rem"],
                padding_bottom="0.4rem",
                text_align="right",
            ),
        ),
        position="sticky",
        top="0",
        z_index="10",
        background_color=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.text(
            f"{PRODUCT} — resell tickets you can't use; buy ones you can. Prices in US dollars.",
            size="1",
            color_scheme="gray",
        ),
        max_width=MAX_WIDTH,
        margin_x="auto",
        padding="2rem 1rem",
        text_align="center",
    )


def layout(*children: rx.Component) -> rx.Component:
    return rx.box(
        rx.el.a("Skip to content", href="#main", class_name="skip-link"),
        header(),
        rx.el.main(
            *children,
            id="main",
            # "pending" until this page's on_load has checked the session: a stable
            # signal for tests that the page is hydrated and its data loaded.
            data_session=rx.cond(
                SessionState.session_checked,
                rx.cond(SessionState.signed_in, "in", "out"),
                "pending",
            ),
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding_x=["1rem", "1rem", "1.5rem"],
            padding_y="1.5rem",
            min_height="70vh",
        ),
        footer(),
        background_color=rx.color("gray", 2),
        min_height="100vh",
    )


def page(
    title: str | rx.Var, *children: rx.Component, actions: rx.Component | None = None
) -> rx.Component:
    """A page with an h1 and optional actions on the right."""
    return layout(
        rx.flex(
            rx.heading(title, size="7", as_="h1", id="page-title"),
            rx.spacer(),
            actions if actions is not None else rx.fragment(),
            align="center",
            wrap="wrap",
            spacing="3",
            margin_bottom="1.25rem",
        ),
        *children,
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


def signin_prompt() -> rx.Component:
    return notice(
        "lock",
        "Please sign in",
        "You need to be signed in to see this page.",
        rx.link(rx.button("Sign in", size="3"), href=SessionState.signin_href, id="prompt-signin"),
        rx.link(
            rx.button("Create an account", size="3", variant="soft"),
            href="/auth/signup",
            id="prompt-signup",
        ),
        testid="signin-required",
    )


def private(content: Callable[[], rx.Component] | rx.Component) -> rx.Component:
    """Show `content` to signed-in users, a friendly sign-in prompt to others."""
    body = content() if callable(content) else content
    return rx.cond(
        SessionState.session_checked,
        rx.cond(SessionState.signed_in, body, signin_prompt()),
        loading_block(),
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
