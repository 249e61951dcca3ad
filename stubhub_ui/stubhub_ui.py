"""The Reflex app module (app name `stubhub_ui`): pages, routes and the live-update task."""

from __future__ import annotations

import logging
import os

import reflex as rx

from .asgi import serve_pages_without_redirect
from .live import live_updates
from .pages import auth, event, events, home, misc, order_list, orders, sell, tickets
from .state import (
    AuthState,
    EventsState,
    EventState,
    HomeState,
    MineState,
    OrdersState,
    OrderState,
    SellSeatsState,
    SellState,
    SessionState,
    SignoutState,
    TicketState,
)

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

# (page, route, title, on_load): every route of the app, one a line.
PAGES = (
    (home.index, "/", "StubHub — tickets from fans, for fans", HomeState.load),
    (auth.signin, "/auth/signin", "Sign in · StubHub", AuthState.load_signin),
    (auth.signup, "/auth/signup", "Create your account · StubHub", AuthState.load_signup),
    (auth.signout, "/auth/signout", "Sign out · StubHub", SignoutState.load),
    (events.events, "/events", "Events · StubHub", EventsState.load),
    (event.event, "/events/[event_id]", "Event · StubHub", EventState.load),
    (sell.sell, "/sell", "Sell tickets · StubHub", SellSeatsState.load),
    (tickets.sell, "/tickets/new", "Sell a ticket · StubHub", SellState.load),
    (tickets.mine, "/tickets/mine", "My tickets · StubHub", MineState.load),
    (tickets.ticket, "/tickets/[ticket_id]", "Ticket · StubHub", TicketState.load),
    (order_list.orders, "/orders", "My orders · StubHub", OrdersState.load),
    (orders.order, "/orders/[order_id]", "Order · StubHub", OrderState.load),
    (misc.not_found, "404", "Page not found · StubHub", SessionState.load_plain),
)
for component, route, title, on_load in PAGES:
    app.add_page(component, route=route, title=title, on_load=on_load)

app.register_lifespan_task(live_updates)
