"""The small building blocks pages repeat: stacks and rows, muted text, quiet and icon
buttons, search inputs. Each fixes one look, so a page names only what differs."""

from __future__ import annotations

from typing import Any

import reflex as rx


def stack(*children: rx.Component, spacing: str = "3", **props) -> rx.Component:
    """Children top to bottom across the full width."""
    return rx.vstack(*children, spacing=spacing, width="100%", **props)


def grow(*children: rx.Component, **props) -> rx.Component:
    """A column that takes a row's free space and may shrink below its content's width
    (so long names wrap instead of pushing the row's other items out)."""
    return rx.vstack(*children, align="start", flex="1", min_width="0", **props)


def wrap_row(*children: rx.Component, **props) -> rx.Component:
    """A full-width row that wraps onto more lines on narrow screens."""
    return rx.flex(*children, wrap="wrap", width="100%", **props)


def muted(*children: Any, size: str = "2", **props) -> rx.Component:
    """Secondary text: grey, small by default."""
    return rx.text(*children, size=size, color_scheme="gray", **props)


def quiet_button(*children: Any, variant: str = "soft", **props) -> rx.Component:
    """A grey button for the lesser choice (cancel, clear, remove)."""
    return rx.button(*children, variant=variant, color_scheme="gray", **props)


def icon_button(
    label: str, icon: str, *, icon_after: bool = False, variant: str = "soft", **props
) -> rx.Component:
    """A button with an icon before (or after) its label."""
    glyph = rx.icon(icon, size=16, aria_hidden="true")
    children = (label, glyph) if icon_after else (glyph, label)
    return rx.button(*children, variant=variant, **props)


def search_input(
    label: str,
    input_id: str,
    placeholder: str,
    *slots: rx.Component,
    label_class: str = "field-label",
    **props,
) -> rx.Component:
    """A labelled search box (`label_class="sr-only"` hides the label but keeps it for
    screen readers); `props` are the input's value and handlers."""
    return rx.fragment(
        rx.el.label(label, html_for=input_id, class_name=label_class),
        rx.input(
            *slots,
            id=input_id,
            type="search",
            placeholder=placeholder,
            size="3",
            width="100%",
            **props,
        ),
    )
