"""A payments process killed mid-charge, and the reconciler that settles what it left.

The crash is simulated step by step: an attempt is claimed, its PaymentIntent created,
recorded and confirmed by calling `paying` and the gateway directly, then the
"process" stops there and its lease is made to expire (real NATS, localstripe,
SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Literal

from sqlmodel import select
from stripe import StripeClient

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.payments import paying, reconciling
from backend_services.payments.domain import DeclineLimits
from backend_services.payments.gateway import StripeGateway
from backend_services.payments.models import Payment
from harness.apps import runtime_of
from tests.payments.conftest import Payments, Person
from tests.payments.support import (
    errors,
    events,
    intent_statuses,
    intents,
    known_order,
    refund_count,
    rows_of,
    settles,
    statuses,
)
from tests.support.waiting import eventually

LEASE = timedelta(seconds=90)
LIMITS = DeclineLimits(per_order=5, per_buyer=20)
GRACE = timedelta(seconds=60)
Step = Literal["created", "recorded", "confirmed"]


def gateway_of(payments: Payments) -> StripeGateway:
    gateway: StripeGateway = runtime_of(payments.app).deps.gateway
    return gateway


def crash_after(payments: Payments, order_id: str, step: Step) -> str:
    """Run an attempt up to `step`, then die holding the lease; the intent's id."""
    engine, gateway = payments.engine, gateway_of(payments)
    attempt = paying.claim(engine, order_id, "pm_card_visa", LEASE, LIMITS)
    assert isinstance(attempt, paying.Attempt)
    intent = gateway.create_intent(order_id, attempt.amount, "pm_card_visa", attempt.payment_id)
    assert intent.status == "requires_confirmation"
    if step != "created":
        assert paying.record_intent(engine, attempt, intent.id, LEASE)
    if step == "confirmed":
        assert gateway.confirm(attempt.payment_id, intent.id).status == "requires_capture"
    return intent.id


def expire_lease(payments: Payments, order_id: str) -> None:
    with transaction(payments.engine) as session:
        row = session.exec(select(Payment).where(Payment.order_id == order_id)).one()
        assert row.status == "pending"
        row.locked_until = utcnow() - timedelta(seconds=1)


async def cancel(payments: Payments, order_id: str) -> None:
    await payments.order_ended("order.cancelled", order_id)
    await known_order(payments, order_id, "cancelled")


async def new_order(payments: Payments, buyer: Person) -> str:
    order_id = await payments.order_created(buyer)
    await known_order(payments, order_id)
    return order_id


async def test_authorized_then_killed_and_order_cancelled_is_voided_never_charged(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    refunds_before = await asyncio.to_thread(refund_count, stripe_client)
    order_id = await new_order(payments, buyer)
    intent_id = await asyncio.to_thread(crash_after, payments, order_id, "confirmed")
    await cancel(payments, order_id)  # the hold expires; the row is still pending
    assert await statuses(payments, order_id) == ["pending"]
    expire_lease(payments, order_id)
    # Two more replicas reconcile alongside the service's own loop: one void only.
    gateway = gateway_of(payments)
    await asyncio.gather(
        *(
            asyncio.to_thread(reconciling.reconcile, payments.engine, gateway, LEASE, GRACE)
            for _ in "ab"
        )
    )
    await settles(payments, order_id, ["voided"])
    [intent] = await intents(stripe_client, order_id)
    assert (intent.id, intent.status) == (intent_id, "canceled")
    assert await asyncio.to_thread(refund_count, stripe_client) == refunds_before
    assert await events(payments.nats_url, "payment.authorized", order_id) == []


async def test_authorized_then_killed_with_order_still_open_is_announced_once(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    intent_id = await asyncio.to_thread(crash_after, payments, order_id, "confirmed")
    expire_lease(payments, order_id)
    await settles(payments, order_id, ["authorized"])
    announced = await eventually(lambda: events(payments.nats_url, "payment.authorized", order_id))
    [row] = rows_of(payments, order_id)
    assert announced == [{"id": row.id, "orderId": order_id, "stripeId": intent_id, "amount": 2000}]
    again = await payments.pay(buyer, order_id)
    assert again.status_code == 409
    assert errors(again) == [{"message": "Order already paid", "field": None}]
    await payments.completed_with(order_id, row.id)
    await settles(payments, order_id, ["captured"])
    assert await intent_statuses(stripe_client, order_id) == ["succeeded"]
    assert len(await events(payments.nats_url, "payment.authorized", order_id)) == 1


async def test_killed_before_the_intent_was_recorded_authorized_nothing(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    lost = await asyncio.to_thread(crash_after, payments, order_id, "created")
    expire_lease(payments, order_id)
    paid = await payments.pay(buyer, order_id)
    assert paid.status_code == 201, paid.text
    assert paid.json()["stripeId"] != lost
    found = {pi.id: pi.status for pi in await intents(stripe_client, order_id)}
    assert found == {lost: "requires_confirmation", paid.json()["stripeId"]: "requires_capture"}


async def test_killed_before_confirming_then_retried_confirms_that_intent(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    recorded = await asyncio.to_thread(crash_after, payments, order_id, "recorded")
    expire_lease(payments, order_id)
    paid = await payments.pay(buyer, order_id)
    assert paid.status_code == 201, paid.text
    assert paid.json()["stripeId"] == recorded
    assert [(pi.id, pi.status) for pi in await intents(stripe_client, order_id)] == [
        (recorded, "requires_capture")
    ]


async def test_killed_before_confirming_and_order_cancelled_cancels_the_intent(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    recorded = await asyncio.to_thread(crash_after, payments, order_id, "recorded")
    await cancel(payments, order_id)
    expire_lease(payments, order_id)
    await settles(payments, order_id, ["voided"])
    [intent] = await intents(stripe_client, order_id)
    assert (intent.id, intent.status) == (recorded, "canceled")
    assert await events(payments.nats_url, "payment.authorized", order_id) == []


async def test_killed_before_creating_and_order_cancelled_fails_the_attempt(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await new_order(payments, buyer)
    await asyncio.to_thread(crash_after, payments, order_id, "created")
    await cancel(payments, order_id)
    expire_lease(payments, order_id)
    await settles(payments, order_id, ["failed"])
    [row] = rows_of(payments, order_id)
    assert row.failure_message == reconciling.ABANDONED
    assert await intent_statuses(stripe_client, order_id) == ["requires_confirmation"]
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 409
    assert errors(response) == [{"message": "Order is cancelled", "field": None}]
