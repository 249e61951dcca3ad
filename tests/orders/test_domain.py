"""Orders' decisions, without I/O."""

from datetime import UTC, datetime, timedelta

import pytest

from backend_services.orders.domain import OrderStatus, PaymentVerdict, judge_payment

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    ("status", "expires_at", "completed_with", "amount", "verdict"),
    [
        (OrderStatus.CREATED, LATER, None, 2000, PaymentVerdict.COMPLETE),
        (OrderStatus.CREATED, LATER, None, 1999, PaymentVerdict.AMOUNT_MISMATCH),
        (OrderStatus.CREATED, NOW, None, 2000, PaymentVerdict.EXPIRED),
        (OrderStatus.CANCELLED, LATER, None, 2000, PaymentVerdict.CANCELLED),
        (OrderStatus.COMPLETE, LATER, "p1", 2000, PaymentVerdict.ALREADY_APPLIED),
        (OrderStatus.COMPLETE, LATER, "p0", 2000, PaymentVerdict.ALREADY_COMPLETE),
    ],
)
def test_judging_an_authorization(
    status: OrderStatus,
    expires_at: datetime,
    completed_with: str | None,
    amount: int,
    verdict: PaymentVerdict,
) -> None:
    assert judge_payment(status, expires_at, 2000, completed_with, "p1", amount, NOW) is verdict
