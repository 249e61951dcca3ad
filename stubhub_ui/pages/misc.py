"""The friendly 404 page."""

from __future__ import annotations

import reflex as rx

from ..components import layout, link_button, notice
from ..state import SessionState
from .routes import route


@route("404", "Page not found", SessionState.load_plain)
def not_found() -> rx.Component:
    return layout(
        rx.heading("Page not found", size="7", as_="h1", id="page-title", class_name="sr-only"),
        notice(
            "map_pin_off",
            "We can't find that page",
            "The link may be broken, or the page may have moved.",
            link_button("Browse tickets", "/", id="notfound-home"),
            testid="not-found",
        ),
    )
