"""Stripe, behind a small interface: create, confirm, look up and refund PaymentIntents.

Every call is bounded: a per-request HTTP timeout, a few tries with jittered
exponential back-off (tenacity) on network errors, 429s and Stripe 5xx, and no
new try after a time budget; then `StripeUnavailable` (503 to the client).
Every POST carries an idempotency key derived from the order, so a retried
call (ours or the SDK's) is the same charge to Stripe.
"""

from __future__ import annotations

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
    id: str
    status: str
    amount: int
    currency: str


def payment_key(order_id: str, attempt: int) -> str:
    """The PaymentIntent idempotency key: the order's first attempt, then one per retry
    after a decline (Stripe replays a key's first result, decline included)."""
    base = f"order-{order_id}-payment"
    return base if attempt == 1 else f"{base}-{attempt}"


def _charge(intent: Any) -> Charge:
    return Charge(
        id=intent.id, status=intent.status, amount=intent.amount, currency=intent.currency
    )


def _token_message(exc: stripe.InvalidRequestError) -> str:
    # The token is the only input of the client's that reaches Stripe.
    message = exc.user_message or "Invalid payment method"
    if message in ("Not Found", "Bad request"):  # localstripe's terse errors
        message = "Invalid payment token"
    return message


def refund_key(order_id: str) -> str:
    return f"order-{order_id}-refund"


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
        self, order_id: str, amount: int, payment_method: str, attempt: int
    ) -> Charge:
        """Create the attempt's PaymentIntent, *unconfirmed*: it moves no money yet."""
        params: Any = {
            "amount": amount,
            "currency": CURRENCY,
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            "metadata": {"orderId": order_id, "attempt": str(attempt)},
        }
        options: Any = {"idempotency_key": payment_key(order_id, attempt)}
        try:
            intent = self._call(
                "create", lambda: self.client.v1.payment_intents.create(params, options)
            )
        except stripe.CardError as exc:
            raise CardDeclined(exc.user_message or DECLINED) from exc
        except stripe.InvalidRequestError as exc:
            raise InvalidPaymentMethod(_token_message(exc)) from exc
        return _charge(intent)

    def confirm(self, order_id: str, payment_intent: str, attempt: int) -> Charge:
        """Confirm (charge) a PaymentIntent created by `create_intent`."""
        options: Any = {"idempotency_key": f"{payment_key(order_id, attempt)}-confirm"}
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

    def refund(self, order_id: str, payment_intent: str, key: str | None = None) -> str:
        """Refund a PaymentIntent in full; the refund's id."""
        params: Any = {"payment_intent": payment_intent, "metadata": {"orderId": order_id}}
        options: Any = {"idempotency_key": key or refund_key(order_id)}
        try:
            refund = self._call("refund", lambda: self.client.v1.refunds.create(params, options))
        except stripe.InvalidRequestError as exc:
            if exc.code == "charge_already_refunded":  # refunded earlier (e.g. by hand)
                return "already-refunded"
            raise
        return str(refund.id)

    def cancel_quietly(self, payment_intent: str) -> None:
        """Best effort: release an intent that did not succeed (e.g. needs 3-D Secure), or
        one left unconfirmed for an order that can no longer be paid."""
        try:
            self._call("cancel", lambda: self.client.v1.payment_intents.cancel(payment_intent))
        except Exception as exc:
            log.warning("could not cancel payment intent %s: %s", payment_intent, exc)
