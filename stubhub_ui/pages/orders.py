"""`/orders/[order_id]`: the hold countdown, the payment and the outcome."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    Countdown,
    back_link,
    detail_body,
    error_callout,
    layout,
    notice,
    price_tag,
    private,
    status_badge,
)
from ..settings import get_settings
from ..state import OrderState


def _pay_button(**submit) -> rx.Component:
    """The "Pay $x" button; `submit` says how it pays (submits the form or calls Stripe)."""
    return rx.button(
        rx.icon("credit_card", size=18, aria_hidden="true"),
        "Pay ",
        OrderState.order.price_display,
        **submit,
        size="4",
        width="100%",
        loading=OrderState.paying,
        id="pay-button",
    )


def _test_mode_form() -> rx.Component:
    def card_option(value: str, name: str, note: str, id_: str) -> rx.Component:
        return rx.text(
            rx.flex(
                rx.radio_group.item(value=value, id=id_, margin_top="2px"),
                rx.vstack(
                    rx.text(name, weight="medium", size="2"),
                    rx.text(note, size="1", color_scheme="gray"),
                    spacing="0",
                ),
                spacing="2",
                align="start",
            ),
            as_="label",
            html_for=id_,
        )

    return rx.form(
        rx.vstack(
            rx.callout(
                rx.text(
                    rx.text.strong("Test mode. "),
                    "No real card is charged. Pick a Stripe test card to see each outcome.",
                ),
                icon="flask_conical",
                color_scheme="amber",
                data_testid="test-mode",
                width="100%",
            ),
            rx.el.fieldset(
                rx.el.legend("Test card", class_name="field-label"),
                rx.radio_group.root(
                    rx.vstack(
                        card_option(
                            "pm_card_visa", "Visa •••• 4242", "Payment succeeds", "card-visa"
                        ),
                        card_option(
                            "pm_card_chargeCustomerFail",
                            "Visa •••• 0341",
                            "Card is declined",
                            "card-declined",
                        ),
                        spacing="3",
                    ),
                    name="card",
                    value=OrderState.card,
                    on_change=OrderState.set_card,
                    size="2",
                ),
                class_name="plain-fieldset",
            ),
            error_callout(OrderState.pay_error, "pay-error"),
            _pay_button(type="submit"),
            spacing="4",
            width="100%",
        ),
        on_submit=OrderState.pay_test,
        reset_on_submit=False,
        width="100%",
        id="pay-form",
        aria_label="Pay for this order",
    )


def _stripe_form(key: str) -> rx.Component:
    return rx.vstack(
        rx.script(src="https://js.stripe.com/v3/"),
        rx.script(src="/stripe_glue.js"),
        rx.el.label("Card details", html_for="card-element", class_name="field-label"),
        rx.box(
            id="card-element",
            data_stripe_key=key,
            padding="0.75rem",
            border=f"1px solid {rx.color('gray', 7)}",
            border_radius="var(--radius-3)",
            background_color="white",
            width="100%",
            min_height="44px",
        ),
        error_callout(OrderState.pay_error, "pay-error"),
        _pay_button(on_click=OrderState.pay_stripe),
        rx.text("Payments are processed by Stripe.", size="1", color_scheme="gray"),
        spacing="3",
        width="100%",
    )


def _payment_panel() -> rx.Component:
    key = get_settings().stripe_publishable_key
    return _stripe_form(key) if key else _test_mode_form()


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
        rx.cond(
            OrderState.payment_accepted,
            rx.callout(
                "Payment accepted. Confirming your order…",
                icon="loader",
                color_scheme="grass",
                data_testid="payment-accepted",
                width="100%",
            ),
            _payment_panel(),
        ),
        rx.cond(
            ~OrderState.payment_accepted,
            rx.button(
                "Cancel order and release the ticket",
                variant="ghost",
                color_scheme="gray",
                size="2",
                on_click=OrderState.release,
                loading=OrderState.releasing,
                id="cancel-order",
            ),
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
    return rx.match(
        OrderState.order.display_status,
        (
            "complete",
            _outcome_callout(
                rx.text(rx.text.strong("Paid. "), "The ticket is yours — enjoy the show!"),
                "party_popper",
                "grass",
                "order-complete",
            ),
        ),
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
