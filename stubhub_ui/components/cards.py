"""Cards: the linked tiles of `/` and `/events`, their grid, the rows of the "My …"
lists, and the card of a detail page."""

from __future__ import annotations

import reflex as rx

from .basics import stack


def split_row(left: rx.Component, *right: rx.Component, **props) -> rx.Component:
    """`left` at the start of a full-width row, `right` pushed to its end."""
    return rx.hstack(left, rx.spacer(), *right, width="100%", align="center", **props)


def card_grid(*cards: rx.Component, **props) -> rx.Component:
    """One to three columns of tiles, by screen width."""
    return rx.grid(
        *cards,
        columns=rx.breakpoints(initial="1", xs="2", md="3"),
        spacing="4",
        width="100%",
        **props,
    )


def _card_link(card: rx.Component, href: rx.Var, testid: str, **props) -> rx.Component:
    """A whole card as one link, in the text colour (not link blue)."""
    return rx.link(card, href=href, underline="none", color="inherit", data_testid=testid, **props)


def tile(*lines: rx.Component, href: rx.Var, testid: str, **props) -> rx.Component:
    """A grid tile linking to `href`: `lines` top to bottom, as tall as its row (put an
    `rx.spacer()` among them to push the rest down); `props` go on the link."""
    return _card_link(
        rx.card(
            rx.vstack(*lines, spacing="3", height="100%", align="start"),
            height="100%",
            class_name="ticket-card",
        ),
        href,
        testid,
        **props,
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
    return _card_link(
        rx.card(
            rx.flex(
                rx.vstack(*lines, spacing="1", align="start", flex="1", min_width="0"),
                badge,
                align="center",
                spacing="3",
                width="100%",
            ),
        ),
        href,
        testid,
        width="100%",
        display="block",
        **data,
    )


def row_title(*children: rx.Component | rx.Var | str, **props) -> rx.Component:
    """The main line of a `list_row`, cut to two lines."""
    return rx.text(*children, weight="medium", size="3", class_name="clamp-2", **props)


def detail_card(
    *about: rx.Component, actions: rx.Component, max_width: str, id: str
) -> rx.Component:
    """The card of one ticket or order: what it is (`about`, top to bottom), a rule, then
    what the visitor can do with it; roomier on wide screens."""
    return rx.card(
        stack(*about, rx.separator(size="4"), actions, spacing="4", align="start"),
        size=rx.breakpoints(initial="2", sm="4"),
        width="100%",
        max_width=max_width,
        id=id,
    )
