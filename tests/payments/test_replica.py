"""The order replica and orders' decisions on authorizations, below HTTP (SQLite and
PostgreSQL): each decision only marks the payment; the settler acts on it at Stripe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend_services.common.db import make_engine, transaction
from backend_services.common.events import (
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderPaymentRejected,
    Retry,
)
from backend_services.common.migrations import upgrade_to_head
from backend_services.payments import consumers
from backend_services.payments.models import Payment, PaymentOrder

MIGRATIONS = Path(consumers.__file__).parent / "migrations"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_to_head(engine, MIGRATIONS)
    yield engine
    engine.dispose()


def created(order_id: str, version: int = 0) -> OrderCreated:
    return OrderCreated.model_validate(
        {
            "id": order_id,
            "version": version,
            "status": "created",
            "userId": "buyer",
            "expiresAt": (datetime.now(UTC) + timedelta(minutes=15)).isoformat(),
            "ticket": {"id": "t1", "price": 1500},
        }
    )


def cancelled(order_id: str, version: int) -> OrderCancelled:
    return OrderCancelled.model_validate(
        {"id": order_id, "version": version, "ticket": {"id": "t1"}}
    )


def completed(order_id: str, version: int, payment_id: str | None = None) -> OrderCompleted:
    return OrderCompleted.model_validate(
        {"id": order_id, "version": version, "ticket": {"id": "t1"}, "paymentId": payment_id}
    )


def status(engine: Engine, order_id: str) -> tuple[str, int]:
    with Session(engine) as session:
        order = session.get(PaymentOrder, order_id)
        assert order is not None
        return order.status, order.version


def test_versions_apply_in_order(engine: Engine) -> None:
    with pytest.raises(Retry), transaction(engine) as session:  # before its order.created
        consumers.apply_order_cancelled(session, cancelled("o1", 1))
    with transaction(engine) as session:
        consumers.apply_order_created(session, created("o1"))
    with transaction(engine) as session:  # a repeat changes nothing
        consumers.apply_order_created(session, created("o1"))
    with pytest.raises(Retry), transaction(engine) as session:  # a gap: v2 before v1
        consumers.apply_order_completed(session, completed("o1", 2))
    assert status(engine, "o1") == ("created", 0)
    with transaction(engine) as session:
        consumers.apply_order_cancelled(session, cancelled("o1", 1))
    with transaction(engine) as session:  # older than what was applied: ignored
        consumers.apply_order_completed(session, completed("o1", 1))
    assert status(engine, "o1") == ("cancelled", 1)


def test_the_replica_charges_the_orders_total(engine: Engine) -> None:
    """An order of several tickets (Marketplace v2) costs its `total`, fee included; an
    event from before fees costs its one ticket's price."""
    tickets = [{"id": "t1", "price": 1500}, {"id": "t2", "price": 1500}]
    several = OrderCreated.model_validate(
        created("o-many").wire() | {"tickets": tickets, "total": 3300}
    )
    with transaction(engine) as session:
        consumers.apply_order_created(session, several)
        consumers.apply_order_created(session, created("o-old"))
    with Session(engine) as session:
        prices = {o.id: o.price for o in session.exec(select(PaymentOrder))}
    assert prices == {"o-many": 3300, "o-old": 1500}


def _attempt(engine: Engine, order_id: str, status: str) -> str:
    with transaction(engine) as session:
        consumers.apply_order_created(session, created(order_id))
        payment = Payment(
            order_id=order_id,
            amount=1500,
            payment_method="pm_card_visa",
            status=status,
            stripe_id=f"pi_{order_id}",
        )
        session.add(payment)
        return payment.id


def payment_status(engine: Engine, payment_id: str) -> str:
    with Session(engine) as session:
        payment = session.get(Payment, payment_id)
        assert payment is not None
        return payment.status


@pytest.mark.parametrize(
    ("status", "after"),
    [("authorized", "capture_due"), ("captured", "captured"), ("voided", "voided")],
)
def test_a_completion_marks_its_authorization_for_capture(
    engine: Engine, status: str, after: str
) -> None:
    payment_id = _attempt(engine, "o2", status)
    with transaction(engine) as session:
        consumers.apply_order_completed(session, completed("o2", 1, payment_id))
    assert payment_status(engine, payment_id) == after
    with Session(engine) as session:
        order = session.get(PaymentOrder, "o2")
        assert order is not None and order.payment_id == payment_id


@pytest.mark.parametrize(
    ("status", "after"),
    [
        ("authorized", "void_due"),
        ("requires_action", "void_due"),
        ("pending", "pending"),  # its request sees the cancellation when it ends
        ("failed", "failed"),
    ],
)
def test_a_cancellation_marks_the_hold_for_release(engine: Engine, status: str, after: str) -> None:
    payment_id = _attempt(engine, "o3", status)
    with transaction(engine) as session:
        consumers.apply_order_cancelled(session, cancelled("o3", 1))
    assert payment_status(engine, payment_id) == after


@pytest.mark.parametrize(
    ("status", "after"),
    [("authorized", "void_due"), ("capture_due", "capture_due"), ("captured", "captured")],
)
def test_a_rejection_releases_only_an_undecided_authorization(
    engine: Engine, status: str, after: str
) -> None:
    payment_id = _attempt(engine, "o4", status)
    rejection = OrderPaymentRejected(id="o4", payment_id=payment_id, reason="expired")
    with transaction(engine) as session:
        consumers.apply_payment_rejected(session, rejection)
    assert payment_status(engine, payment_id) == after
