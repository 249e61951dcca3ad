"""`/orders`: the signed-in buyer's orders (live)."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    link_button,
    list_row,
    muted,
    my_list,
    notice,
    price_tag,
    row_title,
    status_badge,
)
from ..state import OrdersState
from .routes import route


def _order_row(order) -> rx.Component:
    badge = status_badge(order.display_status, order.status_label, "order-status")
    count = rx.cond(order.lines.length() > 1, order.count_label + " · ", "")
    hold = rx.cond(
        order.status == "created", muted("· hold until ", order.expires_display, size="1")
    )
    price = rx.hstack(
        price_tag(order.price_display, size="2", testid="order-price"),
        hold,
        spacing="2",
        align="center",
        wrap="wrap",
    )
    link = "/orders/" + order.id
    title = row_title(count, order.ticket_title)
    return list_row(badge, title, price, href=link, testid="order-row", data_order_id=order.id)


@route("/orders", "My orders", OrdersState.load)
def orders() -> rx.Component:
    browse = link_button("Browse tickets", "/")
    why = "When you buy a ticket, your order shows up here."
    empty = notice("shopping_bag", "No orders yet", why, browse, testid="no-orders")
    return my_list("My orders", OrdersState, OrdersState.orders, _order_row, "order-list", empty)
