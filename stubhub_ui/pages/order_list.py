"""`/orders`: the signed-in buyer's orders (live)."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    link_button,
    list_row,
    my_list,
    notice,
    price_tag,
    status_badge,
)
from ..state import OrdersState
from .routes import route


def _order_row(order) -> rx.Component:
    return list_row(
        status_badge(order.display_status, order.status_label, "order-status"),
        rx.text(
            rx.cond(order.lines.length() > 1, order.count_label + " · ", ""),
            order.ticket_title,
            weight="medium",
            size="3",
            class_name="clamp-2",
        ),
        rx.hstack(
            price_tag(order.price_display, size="2", testid="order-price"),
            rx.cond(
                order.status == "created",
                rx.text(
                    "· hold until ",
                    order.expires_display,
                    size="1",
                    color_scheme="gray",
                ),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        href="/orders/" + order.id,
        testid="order-row",
        data_order_id=order.id,
    )


@route("/orders", "My orders", OrdersState.load)
def orders() -> rx.Component:
    empty = notice(
        "shopping_bag",
        "No orders yet",
        "When you buy a ticket, your order shows up here.",
        link_button("Browse tickets", "/"),
        testid="no-orders",
    )
    return my_list("My orders", OrdersState, OrdersState.orders, _order_row, "order-list", empty)
