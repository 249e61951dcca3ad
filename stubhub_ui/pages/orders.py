"""`/orders/[order_id]`: the hold countdown, the payment and the outcome."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    Countdown,
    back_link,
    callout,
    detail_body,
    detail_card,
    layout,
    lead,
    link_button,
    missing_notice,
    muted,
    private,
    quiet_button,
    split_row,
    stack,
    status_badge,
)
from ..state import OrderState
from .order_tickets import order_tickets
from .payment import confirm_with_bank, payment_panel
from .routes import route


def _hold_timer() -> rx.Component:
    """How long the tickets stay held, counted down in the browser."""
    countdown = Countdown.create(
        remaining_ms=OrderState.remaining_ms,
        stamp=OrderState.countdown_stamp,
        expired_text="00:00",
        id="countdown",
    )
    held_for = rx.vstack(
        muted("Your tickets are held for"),
        rx.text(countdown, size="7", weight="bold", class_name="tabular-nums"),
        muted("Pay before the timer runs out, or the tickets go back on sale.", size="1"),
        spacing="0",
    )
    icon = rx.icon("timer", size=28, color=rx.color("amber", 10), aria_hidden="true")
    return rx.card(
        rx.flex(icon, held_for, spacing="3", align="center"), width="100%", variant="surface"
    )


def _awaiting_payment() -> rx.Component:
    release = quiet_button(
        "Cancel order and release the tickets",
        variant="ghost",
        size="2",
        on_click=OrderState.release,
        loading=OrderState.releasing,
        id="cancel-order",
    )
    return stack(
        _hold_timer(),
        rx.cond(OrderState.payment_phase == "confirm", confirm_with_bank(), payment_panel()),
        release,
        spacing="4",
        align="stretch",
    )


def _ended(message, icon: str, color_scheme: str, testid: str) -> rx.Component:
    """An order that ended without a sale: why, and the way back to its ticket."""
    return rx.vstack(
        callout(message, icon, color_scheme, testid, size="3"),
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
            callout(
                lead("Paid. ", "The tickets are yours — enjoy the show!"),
                "party_popper",
                "grass",
                "order-complete",
                size="3",
            ),
        ),
        (
            "processing",
            callout(
                "Processing… your bank has approved the payment; confirming your order.",
                "loader",
                "blue",
                "payment-processing",
                size="3",
            ),
        ),
        (
            "not_charged",
            _ended(
                lead(
                    "Payment cancelled — you were not charged. ",
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
                    lead(
                        "This order expired. ",
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


def _order_card() -> rx.Component:
    order = OrderState.order
    status = status_badge(order.display_status, order.status_label, "order-status")
    title = rx.heading(
        rx.cond(order.lines.length() > 1, order.count_label, order.ticket_title),
        size="7",
        as_="h1",
        id="page-title",
        class_name="break-words",
    )
    about = (split_row(muted("Order"), status), title, order_tickets())
    return detail_card(*about, actions=_outcome(), max_width="640px", id="order-detail")


def _order_body() -> rx.Component:
    why = "We couldn't find this order in your account."
    gone = missing_notice("search_x", "Order", why, link_button("My orders", "/orders"))
    return detail_body(OrderState, OrderState.order.id, gone, _order_card())


@route("/orders/[order_id]", "Order", OrderState.load)
def order() -> rx.Component:
    return layout(back_link("My orders", "/orders"), private(_order_body))
