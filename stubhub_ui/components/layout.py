"""The page frame: header (with the session's navigation), footer, layout, page, and the
sign-in prompt of private pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from ..state import SessionState, SignoutState
from .basics import muted
from .blocks import link_button, list_body, loading_block, notice

PRODUCT = "StubHub"
MAX_WIDTH = "1080px"


def _column(*children: rx.Component, element=rx.box, **props) -> rx.Component:
    """The page's centred column: header, main and footer line up on wide screens."""
    return element(
        *children,
        max_width=MAX_WIDTH,
        margin_x="auto",
        padding_x=["1rem", "1rem", "1.5rem"],
        **props,
    )


def members_link(label: str, href: str | rx.Var, **link_props) -> rx.Component:
    """A soft button link shown to signed-in visitors only (selling needs an account)."""
    return rx.cond(SessionState.signed_in, link_button(label, href, variant="soft", **link_props))


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
    ("Events", "/events", "events"),
    ("Sell tickets", "/sell", "sell"),
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
                nav_link("Events", "/events", "nav-events"),
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
                        _menu_item("Events", "/events", "navm-events"),
                        _menu_item("Sign in", "/auth/signin", "navm-signin"),
                        _menu_item("Sign up", "/auth/signup", "navm-signup"),
                    ),
                ),
                align="end",
            ),
        ),
    )


def _signed_in_as() -> rx.Component:
    email = rx.text.strong(SessionState.user_email, id="current-user")
    return muted("Signed in as ", email, size="1")


def header() -> rx.Component:
    return rx.el.header(
        _column(
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
            element=rx.flex,
            align="center",
            width="100%",
            padding_y="0.75rem",
        ),
        rx.cond(
            SessionState.signed_in,
            _column(_signed_in_as(), padding_bottom="0.4rem", text_align="right"),
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
        _column(
            *children,
            element=rx.el.main,
            id="main",
            # "pending" until this page's on_load has checked the session: a stable
            # signal for tests that the page is hydrated and its data loaded.
            data_session=rx.cond(
                SessionState.session_checked,
                rx.cond(SessionState.signed_in, "in", "out"),
                "pending",
            ),
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


def page_intro(title: str, intro: str) -> rx.Component:
    """The h1 of a public list page and a line on what it lists."""
    return rx.vstack(
        rx.heading(title, size="8", as_="h1", id="page-title"),
        rx.text(intro, color_scheme="gray", size="3"),
        spacing="1",
        margin_bottom="1.25rem",
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


def my_list(
    title: str,
    state: Any,
    items: rx.vars.ArrayVar,
    row: Callable[[rx.Var], rx.Component],
    list_id: str,
    empty: rx.Component,
    actions: rx.Component | None = None,
) -> rx.Component:
    """A signed-in visitor's "My …" page: one `row` per item of `state`'s list, or `empty`."""
    return page(title, private(list_body(state, items, empty, row, list_id)), actions=actions)
