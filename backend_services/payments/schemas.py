from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from backend_services.common.validation import check_text
from contracts.wire import CamelModel

from .domain import PaymentStatus, public_status
from .models import Payment


def _present(value: Any, message: str) -> Any:
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, str) or not value:
        raise ValueError(message)
    return value


class PaymentIn(CamelModel):
    order_id: str  # any id: an unknown or malformed one (NUL, U+D800 ...) is a 404
    token: str = Field(max_length=255)  # a Stripe PaymentMethod id or card token

    @field_validator("order_id", mode="before")
    @classmethod
    def _order_id_present(cls, value: Any) -> Any:
        return _present(value, "Order id must be provided")

    @field_validator("token", mode="before")
    @classmethod
    def _token_present(cls, value: Any) -> Any:
        return check_text(_present(value, "Payment token must be provided"))


class TestAuthenticationIn(CamelModel):
    success: bool


class PaymentOut(CamelModel):
    id: str
    order_id: str
    stripe_id: str | None
    amount: int
    currency: str
    # requires_action, authorized, captured, voided, failed (or refunded)
    status: str
    # Only while `requires_action`: for Stripe.js, or the local test-authentication step.
    client_secret: str | None = None

    @classmethod
    def of(cls, payment: Payment, client_secret: str | None = None) -> PaymentOut:
        status = public_status(PaymentStatus(payment.status))
        return cls.model_validate(
            {**payment.model_dump(), "status": status, "client_secret": client_secret}
        )
