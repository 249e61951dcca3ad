"""A payments process killed mid-charge, and the reconciler that settles what it left.

The crash is simulated step by step: an attempt is claimed, its PaymentIntent created,
recorded and confirmed by calling the service and the gateway directly, then the
"process" stops there and its lease is made to expire (real NATS, localstripe,
SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Literal

from sqlmodel import Session, select
from stripe import StripeClient

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.payments import service
from backend_services.payments.gateway import StripeGateway
from backend_services.payments.models import Payment
from harness.apps import runtime_of
from tests.payments.conftest import Payments, Person
from tests.payments.test_payments_api import (
    announced,
    charges,
    errors,
    payment_of,
    refunds_for,
    replica_status,
)
from tests.support.waiting import eventually

LEASE = timedelta(seconds=90)
Step = Literal["created", "recorded", "confirmed"]


def gateway_of(payments: Payments) -> StripeGateway:
    gateway: StripeGateway = runtime_of(payments.app).deps.gateway
    return gateway


def crash_after(payments: Payments, order_id: str, step: Step) -> str:
    """Run an attempt up to `step`, then die holding the lease; the intent's id."""
    engine, gateway = payments.engine, gateway_of(payments)
    attempt = service.claim(engine, order_id, "pm_card_visa", LEASE)
    assert attempt is not None
    intent = gateway.create_intent(order_id, attempt.amount, "pm_card_visa", attempt.number)
    assert intent.status == "requires_confirmation"
    if step != "created":
        assert service.record_intent(engine, attempt, intent.id, LEASE)
    if step == "confirmed":
        assert gateway.confirm(order_id, intent.id, attempt.number).status == "succeeded"
    return intent.id


def expire_lease(payments: Payments, order_id: str) -> None:
    with transaction(payments.engine) as session:
        row = session.exec(select(Payment).where(Payment.order_id == order_id)).one()
        assert row.status == "pending"
        row.locked_until = utcnow() - timedelta(seconds=1)


def status_of(payments: Payments, order_id: str) -> str | None:
    with Session(payments.engine) as session:
        row = session.exec(select(Payment).where(Payment.order_id == order_id)).first()
        return row.status if row else None


async def row_status(payments: Payments, order_id: str) -> str | None:
    return await asyncio.to_thread(status_of, payments, order_id)


async def cancel(payments: Payments, order_id: str) -> None:
    await payments.order_ended("order.cancelled", order_id)
    await eventually(lambda: replica_status(payments, order_id), lambda s: s == "cancelled")


async def new_order(payments: Payments, buyer: Person) -> str:
    order_id = await payments.order_created(buyer)
    await eventually(lambda: replica_status(payments, order_id))
    return order_id


async def test_charged_then_killed_and_order_cancelled_is_refunded_once(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    intent_id = await asyncio.to_thread(crash_after, payments, order_id, "confirmed")
    await cancel(payments, order_id)  # the hold expires; the row is still pending
    assert await row_status(payments, order_id) == "pending"
    expire_lease(payments, order_id)
    # Two more replicas reconcile alongside the service's own loop: one refund only.
    gateway = gateway_of(payments)
    await asyncio.gather(
        *(asyncio.to_thread(service.reconcile, payments.engine, gateway, LEASE) for _ in "ab")
    )
    await eventually(lambda: row_status(payments, order_id), lambda s: s == "refunded")
    row = payment_of(payments, order_id)
    assert row is not None and row.stripe_id == intent_id and row.refund_id
    [intent] = await charges(stripe_client, order_id)
    assert (intent.id, intent.status) == (intent_id, "succeeded")
    await asyncio.sleep(1)  # a few more reconcile/refund passes
    refunds = await asyncio.to_thread(refunds_for, stripe_client, intent_id)
    assert [r.amount for r in refunds] == [2000]
    assert await announced(payments.nats_url, order_id) == []


async def test_charged_then_killed_with_order_still_open_completes_the_payment(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    intent_id = await asyncio.to_thread(crash_after, payments, order_id, "confirmed")
    # While the dead holder's lease lives, the buyer's retry waits and nothing changes.
    await asyncio.sleep(1)
    assert await row_status(payments, order_id) == "pending"
    expire_lease(payments, order_id)
    await eventually(lambda: row_status(payments, order_id), lambda s: s == "succeeded")
    events = await eventually(lambda: announced(payments.nats_url, order_id))
    row = payment_of(payments, order_id)
    assert row is not None
    assert events == [{"id": row.id, "orderId": order_id, "stripeId": intent_id, "amount": 2000}]
    again = await payments.pay(buyer, order_id)
    assert again.status_code == 409
    assert errors(again) == [{"message": "Order already paid", "field": None}]
    await asyncio.sleep(1)
    assert len(await announced(payments.nats_url, order_id)) == 1
    assert [pi.id for pi in await charges(stripe_client, order_id)] == [intent_id]


async def test_killed_before_the_intent_was_recorded_charged_nothing(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    lost = await asyncio.to_thread(crash_after, payments, order_id, "created")
    expire_lease(payments, order_id)
    paid = await payments.pay(buyer, order_id)
    assert paid.status_code == 201, paid.text
    assert paid.json()["stripeId"] != lost
    intents = {pi.id: pi.status for pi in await charges(stripe_client, order_id)}
    assert intents == {lost: "requires_confirmation", paid.json()["stripeId"]: "succeeded"}
    await eventually(lambda: announced(payments.nats_url, order_id))
    assert len(await announced(payments.nats_url, order_id)) == 1


async def test_killed_before_confirming_then_retried_confirms_that_intent(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    recorded = await asyncio.to_thread(crash_after, payments, order_id, "recorded")
    expire_lease(payments, order_id)
    paid = await payments.pay(buyer, order_id)
    assert paid.status_code == 201, paid.text
    assert paid.json()["stripeId"] == recorded
    assert [(pi.id, pi.status) for pi in await charges(stripe_client, order_id)] == [
        (recorded, "succeeded")
    ]


async def test_killed_before_confirming_and_order_cancelled_cancels_the_intent(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    recorded = await asyncio.to_thread(crash_after, payments, order_id, "recorded")
    await cancel(payments, order_id)
    expire_lease(payments, order_id)
    await eventually(lambda: row_status(payments, order_id), lambda s: s == "declined")
    row = payment_of(payments, order_id)
    assert row is not None and row.failure_message == service.ABANDONED
    [intent] = await charges(stripe_client, order_id)
    assert (intent.id, intent.status) == (recorded, "canceled")
    assert await asyncio.to_thread(refunds_for, stripe_client, recorded) == []
    assert await announced(payments.nats_url, order_id) == []


async def test_killed_before_creating_and_order_cancelled_is_declined(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    await asyncio.to_thread(crash_after, payments, order_id, "created")
    await cancel(payments, order_id)
    expire_lease(payments, order_id)
    await eventually(lambda: row_status(payments, order_id), lambda s: s == "declined")
    assert [pi.status for pi in await charges(stripe_client, order_id)] == ["requires_confirmation"]
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 409
    assert errors(response) == [{"message": "Order is cancelled", "field": None}]
