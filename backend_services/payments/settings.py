from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from backend_services.common.settings import ServiceSettings

from .domain import DeclineLimits


class PaymentsSettings(ServiceSettings):
    service_name: str = "payments"
    database_url: str = "sqlite:///var/data/payments.db"
    # A real `sk_test_...`/`sk_live_...` key talks to Stripe; the default only works
    # against the local test server (localstripe) named by STRIPE_API_BASE.
    stripe_secret_key: str = Field(default="sk_test_local", repr=False)
    stripe_api_base: str | None = None  # unset: Stripe's own https://api.stripe.com
    # Every Stripe call is bounded: `attempts` tries of at most `timeout` each, with
    # no new try started after `budget` seconds, then 503.
    stripe_timeout_seconds: float = Field(default=10.0, gt=0)
    stripe_max_attempts: int = Field(default=3, ge=1)
    stripe_retry_budget_seconds: float = Field(default=15.0, ge=0)
    # How long a request for an order we have not heard of yet waits for its
    # `order.created` (the replica may lag a freshly created order) before 404.
    replica_wait_seconds: float = Field(default=1.0, ge=0)
    # A payment attempt holds its order this long; after that (the process died
    # mid-charge) another request may resume it, or the reconciler settles it.
    payment_lease_seconds: float = Field(default=90.0, gt=0)
    # How long a duplicate request waits for the attempt in flight before 409.
    duplicate_wait_seconds: float = Field(default=30.0, ge=0)
    # How often the reconciler and the settler look for work nobody else will do
    # (a capture or void that failed, an attempt abandoned mid-charge).
    reconcile_interval_seconds: float = Field(default=5.0, gt=0)
    # An authorization orders has not decided on is released this long after the
    # order's expiresAt (orders never completes an order after it).
    authorization_grace_seconds: float = Field(default=60.0, ge=0)
    # A 3-D Secure challenge idle this long is looked up at Stripe (a lost webhook).
    challenge_recheck_seconds: float = Field(default=15.0, ge=0)
    # Declined attempts per order before 429 (CONTRACT §8).
    max_declines_per_order: int = Field(default=5, ge=1)
    # Declined attempts per buyer in the last hour, over all their orders (card testing).
    max_declines_per_buyer_per_hour: int = Field(default=20, ge=1)
    # Verifies `Stripe-Signature` on webhooks; unset: every webhook is refused (400).
    stripe_webhook_secret: str | None = Field(default=None, repr=False)

    @field_validator("stripe_api_base")
    @classmethod
    def _blank_is_default(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value and value.strip() else None

    @property
    def decline_limits(self) -> DeclineLimits:
        return DeclineLimits(self.max_declines_per_order, self.max_declines_per_buyer_per_hour)

    @property
    def settle_lease_seconds(self) -> float:
        """A capture or a void is one Stripe call: the settler's lease outlives the longest
        one, so a settler killed mid-call is taken over soon after (not a whole payment
        lease later)."""
        return self.stripe_retry_budget_seconds + self.stripe_timeout_seconds + 5

    @model_validator(mode="after")
    def _lease_outlives_a_charge(self) -> PaymentsSettings:
        # A lease covers at most two Stripe calls: create (then the lease is renewed as
        # the intent is recorded) and confirm, or, resuming, retrieve and confirm.
        worst_call = self.stripe_retry_budget_seconds + self.stripe_timeout_seconds
        worst_charge = 2 * worst_call + 5
        if self.payment_lease_seconds <= worst_charge:
            raise ValueError(
                f"PAYMENT_LEASE_SECONDS must exceed two of the longest Stripe calls"
                f" ({worst_charge:.0f}s)"
            )
        return self
