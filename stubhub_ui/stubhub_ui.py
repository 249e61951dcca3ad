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

app.add_page(
    home.index, route="/", title="StubHub — tickets from fans, for fans", on_load=HomeState.load
)
app.add_page(
    auth.signin, route="/auth/signin", title="Sign in · StubHub", on_load=AuthState.load_signin
)
app.add_page(
    auth.signup,
    route="/auth/signup",
    title="Create your account · StubHub",
    on_load=AuthState.load_signup,
)
app.add_page(
    auth.signout, route="/auth/signout", title="Sign out · StubHub", on_load=SignoutState.load
)
app.add_page(events.events, route="/events", title="Events · StubHub", on_load=EventsState.load)
app.add_page(
    event.event, route="/events/[event_id]", title="Event · StubHub", on_load=EventState.load
)
app.add_page(sell.sell, route="/sell", title="Sell tickets · StubHub", on_load=SellSeatsState.load)
app.add_page(
    tickets.sell, route="/tickets/new", title="Sell a ticket · StubHub", on_load=SellState.load
)
app.add_page(
    tickets.mine, route="/tickets/mine", title="My tickets · StubHub", on_load=MineState.load
)
app.add_page(
    tickets.ticket, route="/tickets/[ticket_id]", title="Ticket · StubHub", on_load=TicketState.load
)
app.add_page(
    order_list.orders, route="/orders", title="My orders · StubHub", on_load=OrdersState.load
)
app.add_page(
    orders.order, route="/orders/[order_id]", title="Order · StubHub", on_load=OrderState.load
)
app.add_page(
    misc.not_found, route="404", title="Page not found · StubHub", on_load=SessionState.load_plain
)

app.register_lifespan_task(live_updates)
