"""Stripe, behind a small interface: create, confirm, look up, capture and cancel
PaymentIntents (created with `capture_method=manual`: confirming only authorizes).

Every call is bounded: a per-request HTTP timeout, a few tries with jittered
exponential back-off (tenacity) on network errors, 429s and Stripe 5xx, and no
new try after a time budget; then `StripeUnavailable` (503 to the client).
Every POST carries an idempotency key derived from the order, so a retried
call (ours or the SDK's) is the same charge to Stripe.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import stripe
from stripe import StripeClient
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
    wait_random,
)

from .settings import PaymentsSettings

log = logging.getLogger(__name__)

T = TypeVar("T")
CURRENCY = "usd"
DECLINED = "Your card was declined."


class CardDeclined(Exception):
    """The card was refused (402), with Stripe's message for the customer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidPaymentMethod(Exception):
    """Stripe rejected the token itself (unknown or unusable PaymentMethod): 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AttemptMismatch(Exception):
    """Stripe refused a reused idempotency key with other parameters."""


class StripeUnavailable(Exception):
    """Stripe could not be reached (or refused our key) within the time budget."""


@dataclass(frozen=True)
class Charge:
    """A PaymentIntent as Stripe last reported it."""

    id: str
    status: str
    amount: int
    currency: str
    client_secret: str | None = None
    failure: str | None = None  # last_payment_error's message


# Stripe's test-mode aliases that localstripe lacks: the card numbers it knows instead.
LOCAL_TEST_CARDS = {
    "pm_card_authenticationRequired": "4000002500003155",
    "pm_card_threeDSecure2Required": "4000002760003184",
}


def payment_key(payment_id: str) -> str:
    """The idempotency key of an attempt's PaymentIntent: a retried creation (ours or
    the SDK's) is the same intent to Stripe; every attempt has its own."""
    return f"payment-{payment_id}"


def _charge(intent: Any) -> Charge:
    data = intent.to_dict()
    error = data.get("last_payment_error") or {}
    return Charge(
        id=data["id"],
        status=data["status"],
        amount=data["amount"],
        currency=data["currency"],
        client_secret=data.get("client_secret"),
        failure=error.get("message") if isinstance(error, dict) else None,
    )


def _token_message(exc: stripe.InvalidRequestError) -> str:
    # The token is the only input of the client's that reaches Stripe.
    message = exc.user_message or "Invalid payment method"
    if message in ("Not Found", "Bad request"):  # localstripe's terse errors
        message = "Invalid payment token"
    return message


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError):
        return True  # network error, timeout, 429
    if isinstance(exc, stripe.APIError):
        return exc.http_status is None or exc.http_status >= 500
    return False


class StripeGateway:
    def __init__(self, settings: PaymentsSettings) -> None:
        base: Any = {"api": settings.stripe_api_base} if settings.stripe_api_base else {}
        self.client = StripeClient(
            settings.stripe_secret_key,
            base_addresses=base,
            max_network_retries=0,  # retried below, within our own time budget
            http_client=stripe.RequestsClient(timeout=settings.stripe_timeout_seconds),
        )
        self.max_attempts = settings.stripe_max_attempts
        self.budget_seconds = settings.stripe_retry_budget_seconds
        self.local = settings.stripe_api_base is not None  # localstripe, test mode
        self._test_cards: dict[str, str] = {}

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(self.budget_seconds),
            wait=wait_exponential(multiplier=0.25, max=2.0) + wait_random(0, 0.25),
            retry=retry_if_exception(_transient),
            before_sleep=lambda state: log.warning(
                "stripe %s failed (try %d), retrying: %s",
                what,
                state.attempt_number,
                state.outcome.exception() if state.outcome else None,
            ),
            reraise=True,
        )
        try:
            return retrying(fn)
        except stripe.IdempotencyError as exc:
            raise AttemptMismatch(str(exc)) from exc
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            log.error("stripe refused our API key on %s: %s", what, exc)
            raise StripeUnavailable(what) from exc
        except Exception as exc:
            if _transient(exc):
                log.warning("stripe %s gave up: %s", what, exc)
                raise StripeUnavailable(what) from exc
            raise

    def create_intent(
        self, order_id: str, amount: int, payment_method: str, payment_id: str
    ) -> Charge:
        """Create the attempt's PaymentIntent, *unconfirmed*: it moves no money yet, and
        confirming it only authorizes the amount (captured once orders completes)."""
        params: Any = {
            "amount": amount,
            "currency": CURRENCY,
            "payment_method": self._local_alias(payment_method),
            "payment_method_types": ["card"],
            "capture_method": "manual",
            "metadata": {"orderId": order_id, "paymentId": payment_id},
        }
        options: Any = {"idempotency_key": payment_key(payment_id)}
        try:
            intent = self._call(
                "create", lambda: self.client.v1.payment_intents.create(params, options)
            )
        except stripe.CardError as exc:
            raise CardDeclined(exc.user_message or DECLINED) from exc
        except stripe.InvalidRequestError as exc:
            raise InvalidPaymentMethod(_token_message(exc)) from exc
        return _charge(intent)

    def confirm(self, payment_id: str, payment_intent: str) -> Charge:
        """Confirm (authorize) a PaymentIntent created by `create_intent`."""
        options: Any = {"idempotency_key": f"{payment_key(payment_id)}-confirm"}
        try:
            intent = self._call(
                "confirm",
                lambda: self.client.v1.payment_intents.confirm(payment_intent, options=options),
            )
        except stripe.CardError as exc:
            raise CardDeclined(exc.user_message or DECLINED) from exc
        except stripe.InvalidRequestError as exc:
            if exc.code == "payment_intent_unexpected_state":  # confirmed (or cancelled) before
                return self.retrieve(payment_intent)
            raise InvalidPaymentMethod(_token_message(exc)) from exc
        return _charge(intent)

    def retrieve(self, payment_intent: str) -> Charge:
        intent = self._call(
            "retrieve", lambda: self.client.v1.payment_intents.retrieve(payment_intent)
        )
        return _charge(intent)

    def capture(self, payment_intent: str) -> Charge:
        """Take the authorized amount (Stripe refuses a second capture)."""
        return self._settle(payment_intent, "capture", self.client.v1.payment_intents.capture)

    def cancel(self, payment_intent: str) -> Charge:
        """Release an authorization (or an intent never authorized): nothing is charged."""
        return self._settle(payment_intent, "cancel", self.client.v1.payment_intents.cancel)

    def _settle(self, payment_intent: str, action: str, call: Callable[..., Any]) -> Charge:
        """`action` once per intent (its idempotency key); an intent already captured or
        cancelled is returned as it is."""
        options: Any = {"idempotency_key": f"{payment_intent}-{action}"}
        try:
            intent = self._call(action, lambda: call(payment_intent, options=options))
        except stripe.InvalidRequestError:
            return self.retrieve(payment_intent)
        return _charge(intent)

    def refunded(self, charge_id: str) -> tuple[str, bool]:
        """A charge's PaymentIntent and whether it is refunded (for `charge.refunded`)."""
        charge = self._call("charge", lambda: self.client.v1.charges.retrieve(charge_id))
        return str(charge.payment_intent), bool(charge.refunded)

    def test_authenticate(self, intent: Charge, success: bool) -> None:
        """Local test mode only: answer localstripe's 3-D Secure challenge."""
        assert self.local and intent.client_secret is not None
        params: Any = {"client_secret": intent.client_secret, "success": success}
        # No longer awaiting authentication: the caller looks at the intent anyway.
        with contextlib.suppress(stripe.InvalidRequestError):
            self._call(
                "authenticate",
                lambda: self.client.raw_request(
                    "post", f"/v1/payment_intents/{intent.id}/_authenticate", **params
                ),
            )

    def _local_alias(self, payment_method: str) -> str:
        """localstripe lacks Stripe's 3-D Secure test aliases: make the same card there."""
        number = LOCAL_TEST_CARDS.get(payment_method) if self.local else None
        if number is None:
            return payment_method
        if payment_method not in self._test_cards:
            params: Any = {
                "type": "card",
                "card": {"number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"},
            }
            created = self._call("test card", lambda: self.client.v1.payment_methods.create(params))
            self._test_cards[payment_method] = str(created.id)
        return self._test_cards[payment_method]
