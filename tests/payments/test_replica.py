"""The order replica and the cancellation of a paid order, below HTTP (SQLite and PostgreSQL)."""

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
    PaymentCreated,
    Retry,
    record,
)
from backend_services.common.events.tables import OutboxEvent
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


def completed(order_id: str, version: int) -> OrderCompleted:
    return OrderCompleted.model_validate(
        {"id": order_id, "version": version, "ticket": {"id": "t1"}}
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


def _paid(engine: Engine, order_id: str, published: bool) -> str:
    with transaction(engine) as session:
        consumers.apply_order_created(session, created(order_id))
        payment = Payment(
            order_id=order_id,
            amount=1500,
            payment_method="pm_card_visa",
            status="succeeded",
            stripe_id="pi_test",
        )
        session.add(payment)
        row = record(
            session,
            PaymentCreated(id=payment.id, order_id=order_id, stripe_id="pi_test", amount=1500),
        )
        if published:
            row.published_at = datetime.now(UTC)
        payment.outbox_id = row.id
        return row.id


@pytest.mark.parametrize("published", [False, True])
def test_cancelling_a_paid_order_marks_it_for_refund(engine: Engine, published: bool) -> None:
    outbox_id = _paid(engine, "o2", published)
    with transaction(engine) as session:
        consumers.apply_order_cancelled(session, cancelled("o2", 1))
    with Session(engine) as session:
        payment = session.exec(select(Payment).where(Payment.order_id == "o2")).first()
        assert payment is not None and payment.status == "refund_pending"
        still_there = session.exec(select(OutboxEvent).where(OutboxEvent.id == outbox_id)).first()
    # Not yet published: retracted, so orders never hears of the payment.
    assert (still_there is not None) == published
