"""`/orders/[order_id]`: the hold countdown, the payment and the outcome."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    Countdown,
    back_link,
    detail_body,
    layout,
    notice,
    price_tag,
    private,
    status_badge,
)
from ..state import OrderState
from .payment import confirm_with_bank, payment_panel


def _awaiting_payment() -> rx.Component:
    return rx.vstack(
        rx.card(
            rx.flex(
                rx.icon("timer", size=28, color=rx.color("amber", 10), aria_hidden="true"),
                rx.vstack(
                    rx.text("Your ticket is held for", size="2", color_scheme="gray"),
                    rx.text(
                        Countdown.create(
                            remaining_ms=OrderState.remaining_ms,
                            stamp=OrderState.countdown_stamp,
                            expired_text="00:00",
                            id="countdown",
                        ),
                        size="7",
                        weight="bold",
                        class_name="tabular-nums",
                    ),
                    rx.text(
                        "Pay before the timer runs out, or the ticket goes back on sale.",
                        size="1",
                        color_scheme="gray",
                    ),
                    spacing="0",
                ),
                spacing="3",
                align="center",
            ),
            width="100%",
            variant="surface",
        ),
        rx.cond(OrderState.payment_phase == "confirm", confirm_with_bank(), payment_panel()),
        rx.button(
            "Cancel order and release the ticket",
            variant="ghost",
            color_scheme="gray",
            size="2",
            on_click=OrderState.release,
            loading=OrderState.releasing,
            id="cancel-order",
        ),
        spacing="4",
        width="100%",
        align="stretch",
    )


def _outcome_callout(message, icon: str, color_scheme: str, testid: str) -> rx.Component:
    return rx.callout(
        message,
        icon=icon,
        color_scheme=color_scheme,
        size="3",
        data_testid=testid,
        width="100%",
    )


def _ended(message, icon: str, color_scheme: str, testid: str) -> rx.Component:
    """An order that ended without a sale: why, and the way back to its ticket."""
    return rx.vstack(
        _outcome_callout(message, icon, color_scheme, testid),
        rx.link(
            rx.button("See the ticket", variant="soft"),
            href="/tickets/" + OrderState.order.ticket_id,
            id="back-to-ticket",
        ),
        spacing="3",
        width="100%",
    )


def _outcome() -> rx.Component:
    """Money first (never "paid" before the capture), then the order's own outcome."""
    return rx.match(
        OrderState.payment_phase,
        (
            "paid",
            _outcome_callout(
                rx.text(rx.text.strong("Paid. "), "The ticket is yours — enjoy the show!"),
                "party_popper",
                "grass",
                "order-complete",
            ),
        ),
        (
            "processing",
            _outcome_callout(
                "Processing… your bank has approved the payment; confirming your order.",
                "loader",
                "blue",
                "payment-processing",
            ),
        ),
        (
            "not_charged",
            _ended(
                rx.text(
                    rx.text.strong("Payment cancelled — you were not charged. "),
                    "The order ended before the payment went through.",
                ),
                "circle_x",
                "gray",
                "payment-voided",
            ),
        ),
        rx.match(
            OrderState.order.display_status,
            (
                "expired",
                _ended(
                    rx.text(
                        rx.text.strong("This order expired. "),
                        "The hold lapsed before payment, so the ticket went back on sale.",
                    ),
                    "timer_off",
                    "tomato",
                    "order-expired",
                ),
            ),
            (
                "cancelled",
                _ended(
                    "This order was cancelled and the ticket released.",
                    "circle_x",
                    "gray",
                    "order-cancelled",
                ),
            ),
            _awaiting_payment(),
        ),
    )


def _order_body() -> rx.Component:
    return detail_body(
        OrderState.not_found,
        notice(
            "search_x",
            "Order not found",
            "We couldn't find this order in your account.",
            rx.link(rx.button("My orders"), href="/orders"),
            testid="order-not-found",
        ),
        OrderState.loading | (OrderState.order.id == ""),
        OrderState.error,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text("Order", size="2", color_scheme="gray"),
                    rx.spacer(),
                    status_badge(
                        OrderState.order.display_status,
                        OrderState.order.status_label,
                        "order-status",
                    ),
                    width="100%",
                    align="center",
                ),
                rx.heading(
                    OrderState.order.ticket_title,
                    size="7",
                    as_="h1",
                    id="page-title",
                    class_name="break-words",
                ),
                price_tag(OrderState.order.price_display, size="6", testid="order-price"),
                rx.separator(size="4"),
                _outcome(),
                spacing="4",
                width="100%",
                align="start",
            ),
            size=rx.breakpoints(initial="2", sm="4"),
            width="100%",
            max_width="640px",
            id="order-detail",
        ),
    )


def order() -> rx.Component:
    return layout(
        back_link("My orders", "/orders"),
        private(_order_body),
    )
