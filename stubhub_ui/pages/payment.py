"""The payment panel of an order page: pay (Stripe.js or the test-mode form) and
the 3-D Secure step, all driven by `OrderState`."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import callout, error_callout, kept_form, lead, muted, quiet_button, stack
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


# The Stripe test cards on offer: (payment method, name, what happens, input id).
TEST_CARD_CHOICES = (
    ("pm_card_visa", "Visa •••• 4242", "Payment succeeds", "card-visa"),
    ("pm_card_chargeCustomerFail", "Visa •••• 0341", "Card is declined", "card-declined"),
    (
        "pm_card_authenticationRequired",
        "Visa •••• 3155",
        "Your bank asks you to confirm (3-D Secure)",
        "card-3ds",
    ),
)


def _card_option(value: str, name: str, note: str, id_: str) -> rx.Component:
    about = rx.vstack(rx.text(name, weight="medium", size="2"), muted(note, size="1"), spacing="0")
    radio = rx.radio_group.item(value=value, id=id_, margin_top="2px")
    return rx.text(rx.flex(radio, about, spacing="2", align="start"), as_="label", html_for=id_)


def _test_cards() -> rx.Component:
    choices = rx.radio_group.root(
        rx.vstack(*[_card_option(*card) for card in TEST_CARD_CHOICES], spacing="3"),
        name="card",
        value=OrderState.card,
        on_change=OrderState.set_card,
        size="2",
    )
    legend = rx.el.legend("Test card", class_name="field-label")
    return rx.el.fieldset(legend, choices, class_name="plain-fieldset")


def _test_mode_form() -> rx.Component:
    note = callout(
        lead(
            "Test mode. ", "No real card is charged. Pick a Stripe test card to see each outcome."
        ),
        "flask_conical",
        "amber",
        "test-mode",
    )
    return kept_form(
        stack(
            note,
            _test_cards(),
            error_callout(OrderState.pay_error, "pay-error"),
            _pay_button(type="submit"),
            spacing="4",
        ),
        on_submit=OrderState.pay_test,
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


def payment_panel() -> rx.Component:
    """How to pay: Stripe.js with a publishable key, else the test-mode form."""
    key = get_settings().stripe_publishable_key
    return _stripe_form(key) if key else _test_mode_form()


def _authenticate_buttons() -> rx.Component:
    """Local test mode's stand-in for the bank's 3-D Secure page."""
    ok = rx.button(
        "Complete authentication",
        on_click=OrderState.authenticate(True),
        loading=OrderState.authenticating,
        id="authenticate-ok",
    )
    fail = quiet_button(
        "Fail authentication",
        on_click=OrderState.authenticate(False),
        disabled=OrderState.authenticating,
        id="authenticate-fail",
    )
    return rx.hstack(ok, fail, spacing="3", wrap="wrap")


def confirm_with_bank() -> rx.Component:
    """3-D Secure: Stripe.js shows the bank's page; in local test mode, our stand-in."""
    if get_settings().stripe_publishable_key:
        step = muted("Follow your bank's prompt to finish paying.")
    else:
        step = _authenticate_buttons()
    why = lead("Confirm with your bank. ", "Your card needs one more step before it is charged.")
    return stack(
        callout(why, "shield_check", "blue", "payment-confirm"),
        step,
        error_callout(OrderState.pay_error, "pay-error"),
    )
