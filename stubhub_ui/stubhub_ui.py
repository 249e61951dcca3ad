"""The Reflex app module (app name `stubhub_ui`): pages, routes and the lifespan tasks."""

from __future__ import annotations

import logging
import os

import reflex as rx

from .asgi import serve_pages_without_redirect
from .heap import settled_heap
from .live import live_updates
from .pages import auth, event, events, home, misc, order_list, orders, sell, tickets  # noqa: F401
from .pages.routes import ROUTES

_log = logging.getLogger("stubhub_ui")
if not _log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    _log.propagate = False

app = rx.App(
    stylesheets=["/styles.css"],
    head_components=[
        rx.el.meta(name="theme-color", content="#3e63dd"),
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
    ],
    toaster=rx.toast.provider(position="bottom-right", close_button=True, rich_colors=True),
    api_transformer=serve_pages_without_redirect,
)

# Importing the page modules above recorded each page's route (pages/routes.py).
for page in ROUTES:
    app.add_page(page.component, route=page.path, title=page.title, on_load=page.on_load)

app.register_lifespan_task(live_updates)
app.register_lifespan_task(settled_heap)
