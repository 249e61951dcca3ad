"""POST /api/payments against real NATS, SQLite/PostgreSQL and a local Stripe server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest
from sqlmodel import Session, select
from stripe import StripeClient

from backend_services.payments.models import Payment, PaymentOrder
from harness import servers
from tests.payments.conftest import Payments, Person, payments_settings, running_payments
from tests.payments.proxy import delaying_proxy, silent_server
from tests.support.bus import stream_messages
from tests.support.waiting import eventually

URL = "/api/payments"


def intents_for(stripe: StripeClient, order_id: str) -> list[Any]:
    listing = stripe.v1.payment_intents.list(params={"limit": 100})
    return [
        pi for pi in listing.auto_paging_iter() if pi.metadata.to_dict().get("orderId") == order_id
    ]


def refunds_for(stripe: StripeClient, payment_intent: str) -> list[Any]:
    listing = stripe.v1.refunds.list(params={"limit": 100})
    return [r for r in listing.auto_paging_iter() if r.payment_intent == payment_intent]


async def charges(stripe: StripeClient, order_id: str) -> list[Any]:
    return await asyncio.to_thread(intents_for, stripe, order_id)


async def announced(nats_url: str, order_id: str) -> list[dict[str, Any]]:
    events = await stream_messages(nats_url, "payment.created")
    return [payload for _, payload, _ in events if payload["orderId"] == order_id]


def payment_of(payments: Payments, order_id: str) -> Payment | None:
    with Session(payments.engine) as session:
        return session.exec(select(Payment).where(Payment.order_id == order_id)).first()


async def replica_status(payments: Payments, order_id: str) -> str | None:
    def read() -> str | None:
        with Session(payments.engine) as session:
            order = session.get(PaymentOrder, order_id)
            return order.status if order else None

    return await asyncio.to_thread(read)


def errors(response: Any) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = response.json()["errors"]
    return body


# -- success ----------------------------------------------------------------------


async def test_pays_an_order_once_and_announces_it(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer, price=2599)
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "orderId": order_id,
        "stripeId": body["stripeId"],
        "amount": 2599,
        "currency": "usd",
        "status": "succeeded",
    }
    [intent] = await charges(stripe_client, order_id)
    assert intent.id == body["stripeId"] and intent.status == "succeeded"
    assert (intent.amount, intent.currency) == (2599, "usd")
    events = await eventually(lambda: announced(payments.nats_url, order_id))
    assert events == [
        {"id": body["id"], "orderId": order_id, "stripeId": intent.id, "amount": 2599}
    ]
    row = payment_of(payments, order_id)
    assert row is not None and row.status == "succeeded" and row.stripe_id == intent.id


async def test_waits_briefly_for_an_order_the_replica_has_not_seen_yet(
    payments: Payments, buyer: Person
) -> None:
    order_id = "fresh-" + buyer.id
    # The request goes out together with the order.created it depends on.
    _, response = await asyncio.gather(
        payments.order_created(buyer, order_id=order_id), payments.pay(buyer, order_id)
    )
    assert response.status_code == 201, response.text


# -- the contract's errors --------------------------------------------------------


async def test_signed_out_is_401(payments: Payments, buyer: Person) -> None:
    order_id = await payments.order_created(buyer)
    anonymous = await payments.client.post(URL, json={"orderId": order_id, "token": "pm_card_visa"})
    assert anonymous.status_code == 401
    assert errors(anonymous)[0]["message"]
    forged = jwt.encode({"sub": buyer.id, "email": "x@example.com"}, "wrong-key" * 8, "HS256")
    bad = await payments.client.post(
        URL,
        json={"orderId": order_id, "token": "pm_card_visa"},
        headers={"Cookie": f"session={forged}"},
    )
    assert bad.status_code == 401


async def test_missing_fields_are_400_each_listed(payments: Payments, buyer: Person) -> None:
    missing = await payments.client.post(URL, json={}, headers=buyer.headers)
    assert missing.status_code == 400
    assert {e["field"] for e in errors(missing)} == {"orderId", "token"}
    blank = await payments.client.post(
        URL, json={"orderId": "  ", "token": ""}, headers=buyer.headers
    )
    assert blank.status_code == 400
    assert errors(blank) == [
        {"message": "Order id must be provided", "field": "orderId"},
        {"message": "Payment token must be provided", "field": "token"},
    ]
    wrong_type = await payments.client.post(
        URL, json={"orderId": 12, "token": ["pm"]}, headers=buyer.headers
    )
    assert wrong_type.status_code == 400


@pytest.mark.parametrize("order_id", ["no-such-order", "x" * 5000, "../../etc/passwd"])
async def test_unknown_or_malformed_order_is_404(
    payments: Payments, buyer: Person, order_id: str
) -> None:
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 404
    assert errors(response) == [{"message": "Order not found", "field": None}]


async def test_someone_elses_order_is_403(
    payments: Payments, buyer: Person, stranger: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    response = await payments.pay(stranger, order_id)
    assert response.status_code == 403
    assert await charges(stripe_client, order_id) == []


async def test_cancelled_order_is_409(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    await payments.order_ended("order.cancelled", order_id)
    await eventually(lambda: replica_status(payments, order_id), lambda s: s == "cancelled")
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 409
    assert errors(response) == [{"message": "Order is cancelled", "field": None}]
    assert await charges(stripe_client, order_id) == []


async def test_expired_order_is_409_even_before_its_cancellation_arrives(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer, expires_in=-1)
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 409
    assert errors(response) == [{"message": "Order has expired", "field": None}]
    assert await charges(stripe_client, order_id) == []


async def test_completed_order_is_409_already_paid(payments: Payments, buyer: Person) -> None:
    order_id = await payments.order_created(buyer)
    await payments.order_ended("order.completed", order_id)
    await eventually(lambda: replica_status(payments, order_id), lambda s: s == "complete")
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 409
    assert errors(response) == [{"message": "Order already paid", "field": None}]


# -- never twice ------------------------------------------------------------------


async def test_paying_twice_charges_once(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    assert (await payments.pay(buyer, order_id)).status_code == 201
    again = await payments.pay(buyer, order_id)
    assert again.status_code == 409
    assert errors(again) == [{"message": "Order already paid", "field": None}]
    assert len(await charges(stripe_client, order_id)) == 1
    await eventually(lambda: announced(payments.nats_url, order_id))
    assert len(await announced(payments.nats_url, order_id)) == 1


async def test_concurrent_payments_charge_once(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    await eventually(lambda: replica_status(payments, order_id))
    responses = await asyncio.gather(*(payments.pay(buyer, order_id) for _ in range(6)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409, 409, 409, 409, 409], [r.text for r in responses]
    assert len(await charges(stripe_client, order_id)) == 1
    await eventually(lambda: announced(payments.nats_url, order_id))
    assert len(await announced(payments.nats_url, order_id)) == 1


# -- declines ---------------------------------------------------------------------


async def test_declined_card_is_402_and_the_order_stays_payable(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    declined = await payments.pay(buyer, order_id, token="pm_card_chargeCustomerFail")
    assert declined.status_code == 402
    assert errors(declined) == [{"message": "Your card was declined.", "field": None}]
    row = payment_of(payments, order_id)
    assert row is not None and row.status == "declined"
    assert await announced(payments.nats_url, order_id) == []

    paid = await payments.pay(buyer, order_id, token="pm_card_visa")
    assert paid.status_code == 201, paid.text
    row = payment_of(payments, order_id)
    assert row is not None and (row.status, row.attempt) == ("succeeded", 2)
    succeeded = [pi for pi in await charges(stripe_client, order_id) if pi.status == "succeeded"]
    assert [pi.id for pi in succeeded] == [paid.json()["stripeId"]]
    await eventually(lambda: announced(payments.nats_url, order_id))


async def test_unusable_token_is_400_on_token(payments: Payments, buyer: Person) -> None:
    order_id = await payments.order_created(buyer)
    response = await payments.pay(buyer, order_id, token="pm_no_such_method")
    assert response.status_code == 400
    assert errors(response)[0]["field"] == "token"
    assert (await payments.pay(buyer, order_id)).status_code == 201


# -- Stripe down ------------------------------------------------------------------


async def test_stripe_unreachable_is_503_quickly_then_payable(
    database_url: str,
    nats_url: str,
    localstripe: str,
    buyer: Person,
    stripe_client: StripeClient,
) -> None:
    closed = f"http://127.0.0.1:{servers.free_port()}"
    settings = payments_settings(database_url, nats_url, closed, stripe_retry_budget_seconds=2)
    async with running_payments(settings) as payments:
        order_id = await payments.order_created(buyer)
        started = time.monotonic()
        response = await payments.pay(buyer, order_id)
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert "unavailable" in errors(response)[0]["message"]
        assert elapsed < 5
        row = payment_of(payments, order_id)
        assert row is not None and row.status == "pending" and row.locked_until is None
    # Stripe is back (the same database, now pointed at it): the attempt is resumed.
    async with running_payments(payments_settings(database_url, nats_url, localstripe)) as again:
        response = await again.pay(buyer, order_id)
        assert response.status_code == 201, response.text
    assert len(await charges(stripe_client, order_id)) == 1


async def test_stripe_that_never_answers_is_503_within_the_budget(
    database_url: str, nats_url: str, buyer: Person
) -> None:
    async with silent_server() as hanging:
        settings = payments_settings(
            database_url,
            nats_url,
            hanging,
            stripe_timeout_seconds=0.5,
            stripe_max_attempts=2,
            stripe_retry_budget_seconds=1,
        )
        async with running_payments(settings) as payments:
            order_id = await payments.order_created(buyer)
            started = time.monotonic()
            response = await payments.pay(buyer, order_id)
            assert response.status_code == 503
            assert time.monotonic() - started < 4


# -- the expiry race ----------------------------------------------------------------


async def test_charge_that_lands_after_cancellation_is_refunded_and_never_announced(
    database_url: str,
    nats_url: str,
    localstripe: str,
    buyer: Person,
    stripe_client: StripeClient,
) -> None:
    port = int(localstripe.rsplit(":", 1)[1])
    async with delaying_proxy(port, delay=1.5) as slow_stripe:
        settings = payments_settings(database_url, nats_url, slow_stripe)
        async with running_payments(settings) as payments:
            order_id = await payments.order_created(buyer)
            await eventually(lambda: replica_status(payments, order_id))
            paying = asyncio.create_task(payments.pay(buyer, order_id))
            await eventually(lambda: asyncio.to_thread(payment_of, payments, order_id))
            # The hold expires while Stripe is still charging the card.
            await payments.order_ended("order.cancelled", order_id)
            await eventually(lambda: replica_status(payments, order_id), lambda s: s == "cancelled")
            response = await paying
            assert response.status_code == 409
            assert "refunded" in errors(response)[0]["message"]
            row = payment_of(payments, order_id)
            assert row is not None and row.status == "refunded" and row.refund_id
    [intent] = await charges(stripe_client, order_id)
    assert intent.id == row.stripe_id
    assert [r.amount for r in refunds_for(stripe_client, intent.id)] == [2000]
    assert await announced(nats_url, order_id) == []


async def test_cancellation_after_payment_refunds(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    paid = await payments.pay(buyer, order_id)
    assert paid.status_code == 201
    await payments.order_ended("order.cancelled", order_id)

    def refunded() -> bool:
        row = payment_of(payments, order_id)
        return row is not None and row.status == "refunded"

    await eventually(lambda: asyncio.to_thread(refunded), timeout=10)
    refunds = await asyncio.to_thread(refunds_for, stripe_client, paid.json()["stripeId"])
    assert len(refunds) == 1
    # Redelivered cancellations refund nothing more.
    await payments.order_ended("order.cancelled", order_id)
    await asyncio.sleep(1)
    assert len(await asyncio.to_thread(refunds_for, stripe_client, paid.json()["stripeId"])) == 1


# -- the replica ----------------------------------------------------------------------


async def test_events_out_of_order_are_applied_in_version_order(
    payments: Payments, buyer: Person
) -> None:
    order_id = "ooo-" + buyer.id
    await payments.order_ended("order.cancelled", order_id, version=1)  # before its creation
    await payments.order_created(buyer, order_id=order_id)
    await eventually(lambda: replica_status(payments, order_id), lambda s: s == "cancelled")
    await payments.order_ended("order.completed", order_id, version=1)  # stale: ignored
    other = await payments.order_created(buyer)
    await eventually(lambda: replica_status(payments, other))
    assert await replica_status(payments, order_id) == "cancelled"


async def test_health(payments: Payments) -> None:
    assert (await payments.client.get("/api/payments/healthz")).status_code == 200
    # The bus is reported, not a gate: wait until it shows connected too.
    ready = await eventually(
        lambda: payments.client.get("/api/payments/readyz"),
        lambda r: r.status_code == 200 and r.json()["checks"]["events"] == "ok",
    )
    assert ready.json() == {
        "status": "ready",
        "checks": {"events": "ok", "database": "ok", "redis": "ok"},
    }


@pytest.mark.parametrize("path", ["/api/payments/nope", "/api/payments/1/2"])
async def test_unknown_routes_are_404(payments: Payments, path: str) -> None:
    response = await payments.client.get(path)
    assert response.status_code == 404
    assert errors(response) == [{"message": "Not found", "field": None}]
