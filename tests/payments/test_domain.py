"""Payments' statuses and decisions, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend_services.payments import domain
from backend_services.payments.domain import OrderStatus, PaymentStatus, Refusal, Settle

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
GRACE = timedelta(seconds=60)
P = PaymentStatus


@pytest.mark.parametrize(
    ("current", "intent", "cancelled", "after"),
    [
        (P.PENDING, "requires_action", False, P.REQUIRES_ACTION),
        (P.PENDING, "requires_capture", False, P.AUTHORIZED),
        (P.PENDING, "requires_capture", True, P.VOID_DUE),  # cancelled is final
        (P.REQUIRES_ACTION, "requires_capture", False, P.AUTHORIZED),
        (P.REQUIRES_ACTION, "requires_payment_method", False, P.FAILED),  # failed challenge
        (P.PENDING, "requires_payment_method", False, P.FAILED),
        (P.PENDING, "canceled", False, P.VOIDED),
        (P.VOID_DUE, "canceled", True, P.VOIDED),
        (P.AUTHORIZED, "canceled", False, P.VOIDED),
        (P.CAPTURE_DUE, "succeeded", False, P.CAPTURED),
        # Repeats and stale news change nothing:
        (P.AUTHORIZED, "requires_capture", False, None),
        (P.AUTHORIZED, "requires_capture", True, None),  # the cancellation marks it instead
        (P.CAPTURED, "succeeded", False, None),
        (P.VOIDED, "requires_capture", False, None),
        (P.FAILED, "requires_capture", False, None),
        (P.PENDING, "requires_confirmation", False, None),
        (P.PENDING, "processing", False, None),
        (P.REQUIRES_ACTION, "requires_action", False, None),
        (P.PENDING, "succeeded", False, None),  # never with manual capture
    ],
)
def test_following_the_intent(
    current: PaymentStatus, intent: str, cancelled: bool, after: PaymentStatus | None
) -> None:
    assert domain.follow_intent(current, intent, cancelled) is after


@pytest.mark.parametrize(
    ("status", "payment_of_order", "expires_in", "decision"),
    [
        (OrderStatus.COMPLETE, "p1", 600, Settle.CAPTURE),
        (OrderStatus.COMPLETE, "p0", 600, Settle.VOID),  # completed with another
        (OrderStatus.CANCELLED, None, 600, Settle.VOID),
        (OrderStatus.CREATED, None, 600, Settle.WAIT),  # orders is still deciding
        (OrderStatus.CREATED, None, -30, Settle.WAIT),  # expired, within the grace
        (OrderStatus.CREATED, None, -60, Settle.VOID),  # past the hold and the grace
    ],
)
def test_settling_a_stale_hold(
    status: OrderStatus, payment_of_order: str | None, expires_in: int, decision: Settle
) -> None:
    expires_at = NOW + timedelta(seconds=expires_in)
    assert domain.settle_stale_hold(status, payment_of_order, expires_at, "p1", NOW, GRACE) is (
        decision
    )


def test_refusals() -> None:
    later = NOW + timedelta(minutes=5)
    assert domain.refusal(OrderStatus.CREATED, later, NOW) is None
    assert domain.refusal(OrderStatus.CREATED, NOW, NOW) is Refusal.EXPIRED
    assert domain.refusal(OrderStatus.CANCELLED, later, NOW) is Refusal.CANCELLED
    assert domain.refusal(OrderStatus.COMPLETE, later, NOW) is Refusal.ALREADY_PAID
    assert domain.refusal_for_live(P.AUTHORIZED) is Refusal.ALREADY_PAID
    assert domain.refusal_for_live(P.PENDING) is None


def test_declines_limit_and_public_statuses() -> None:
    assert not domain.too_many_declines(4, 5) and domain.too_many_declines(5, 5)
    assert domain.public_status(P.CAPTURE_DUE) == "authorized"
    assert domain.public_status(P.VOID_DUE) == "authorized"
    assert domain.public_status(P.VOIDED) == "voided"


def test_abandoned_attempts() -> None:
    assert domain.abandoned(NOW - timedelta(seconds=1), True, NOW)  # the holder died
    assert not domain.abandoned(NOW + timedelta(seconds=1), False, NOW)  # still held
    assert domain.abandoned(None, False, NOW)  # released, and cannot be retried
    assert not domain.abandoned(None, True, NOW)  # released: the buyer's retry resumes it


def test_decline_limits_default_to_an_hour_per_buyer() -> None:
    limits = domain.DeclineLimits(per_order=5, per_buyer=20)
    assert limits.buyer_window.total_seconds() == 3600
    assert domain.too_many_declines(20, limits.per_buyer)
    assert not domain.too_many_declines(19, limits.per_buyer)
