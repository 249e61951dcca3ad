"""POST /api/payments against real NATS, SQLite/PostgreSQL and a local Stripe server.

Orders' side is played by publishing its events (`order.completed` with the payment
id, `order.payment_rejected`, `order.cancelled`), as orders would on deciding.
"""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest
from stripe import StripeClient

from harness import servers
from tests.payments.conftest import Payments, Person, payments_settings, running_payments
from tests.payments.proxy import delaying_proxy, silent_server
from tests.payments.support import (
    URL,
    errors,
    events,
    intent_statuses,
    intents,
    known_order,
    refund_count,
    replica_status,
    rows_of,
    settles,
    statuses,
)
from tests.support.waiting import eventually

# -- authorize, then capture as orders decides -------------------------------------


async def test_authorizes_then_captures_once_orders_completes_the_order(
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
        "status": "authorized",
        "clientSecret": None,
    }
    [intent] = await intents(stripe_client, order_id)
    assert (intent.id, intent.status, intent.amount) == (body["stripeId"], "requires_capture", 2599)
    announced = await eventually(lambda: events(payments.nats_url, "payment.authorized", order_id))
    assert announced == [
        {"id": body["id"], "orderId": order_id, "stripeId": intent.id, "amount": 2599}
    ]
    assert await events(payments.nats_url, "payment.captured", order_id) == []

    await payments.completed_with(order_id, body["id"])
    await settles(payments, order_id, ["captured"])
    assert await intent_statuses(stripe_client, order_id) == ["succeeded"]
    captured = await eventually(lambda: events(payments.nats_url, "payment.captured", order_id))
    assert captured == [{"id": body["id"], "orderId": order_id, "amount": 2599}]
    listed = await payments.client.get(URL, params={"orderId": order_id}, headers=buyer.headers)
    assert [p["status"] for p in listed.json()] == ["captured"]


async def test_waits_briefly_for_an_order_the_replica_has_not_seen_yet(
    database_url: str, nats_url: str, localstripe: str, buyer: Person
) -> None:
    # A wait long enough for a busy machine's consumer lag: a deadline, not a timing.
    settings = payments_settings(database_url, nats_url, localstripe, replica_wait_seconds=10)
    async with running_payments(settings) as payments:
        order_id = "fresh-" + buyer.id
        # The request goes out together with the order.created it depends on.
        _, response = await asyncio.gather(
            payments.order_created(buyer, order_id=order_id, wait=False),
            payments.pay(buyer, order_id),
        )
    assert response.status_code == 201, response.text


async def test_a_rejected_authorization_is_voided_and_never_captured(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    paid = (await payments.pay(buyer, order_id)).json()
    await payments.rejected(order_id, paid["id"], reason="expired")
    await settles(payments, order_id, ["voided"])
    assert await intent_statuses(stripe_client, order_id) == ["canceled"]
    voided = await eventually(lambda: events(payments.nats_url, "payment.voided", order_id))
    assert voided == [{"id": paid["id"], "orderId": order_id}]
    # A late completion for the voided payment captures nothing.
    await payments.completed_with(order_id, paid["id"])
    await known_order(payments, order_id, "complete")
    assert await intent_statuses(stripe_client, order_id) == ["canceled"]


async def test_a_cancellation_after_authorization_voids_it(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    assert (await payments.pay(buyer, order_id)).status_code == 201
    await payments.order_ended("order.cancelled", order_id)
    await settles(payments, order_id, ["voided"])
    assert await intent_statuses(stripe_client, order_id) == ["canceled"]
    await payments.order_ended("order.cancelled", order_id)  # redelivered: nothing more
    await eventually(lambda: events(payments.nats_url, "payment.voided", order_id))
    assert len(await events(payments.nats_url, "payment.voided", order_id)) == 1


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
    assert await intents(stripe_client, order_id) == []


async def test_cancelled_order_is_409(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    await payments.order_ended("order.cancelled", order_id)
    await known_order(payments, order_id, "cancelled")
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 409
    assert errors(response) == [{"message": "Order is cancelled", "field": None}]
    assert await intents(stripe_client, order_id) == []


async def test_expired_order_is_409_even_before_its_cancellation_arrives(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer, expires_in=-1)
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 409
    assert errors(response) == [{"message": "Order has expired", "field": None}]
    assert await intents(stripe_client, order_id) == []


async def test_completed_order_is_409_already_paid(payments: Payments, buyer: Person) -> None:
    order_id = await payments.order_created(buyer)
    await payments.order_ended("order.completed", order_id)
    await known_order(payments, order_id, "complete")
    response = await payments.pay(buyer, order_id)
    assert response.status_code == 409
    assert errors(response) == [{"message": "Order already paid", "field": None}]


# -- never twice ------------------------------------------------------------------


async def test_paying_twice_authorizes_once(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    assert (await payments.pay(buyer, order_id)).status_code == 201
    again = await payments.pay(buyer, order_id)
    assert again.status_code == 409
    assert errors(again) == [{"message": "Order already paid", "field": None}]
    assert len(await intents(stripe_client, order_id)) == 1


async def test_a_double_click_authorizes_once_and_captures_once(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    await known_order(payments, order_id)
    responses = await asyncio.gather(*(payments.pay(buyer, order_id) for _ in range(6)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409, 409, 409, 409, 409], [r.text for r in responses]
    [paid] = [r.json() for r in responses if r.status_code == 201]
    await eventually(lambda: events(payments.nats_url, "payment.authorized", order_id))
    await payments.completed_with(order_id, paid["id"])
    await payments.completed_with(order_id, paid["id"])  # redelivered
    await settles(payments, order_id, ["captured"])
    assert await intent_statuses(stripe_client, order_id) == ["succeeded"]
    await eventually(lambda: events(payments.nats_url, "payment.captured", order_id))
    assert len(await events(payments.nats_url, "payment.authorized", order_id)) == 1
    assert len(await events(payments.nats_url, "payment.captured", order_id)) == 1


# -- declines ---------------------------------------------------------------------


async def test_declined_card_is_402_and_the_order_stays_payable(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    declined = await payments.pay(buyer, order_id, token="pm_card_chargeCustomerFail")
    assert declined.status_code == 402
    assert errors(declined) == [{"message": "Your card was declined.", "field": None}]
    assert await statuses(payments, order_id) == ["failed"]
    paid = await payments.pay(buyer, order_id, token="pm_card_visa")
    assert paid.status_code == 201, paid.text
    assert await statuses(payments, order_id) == ["failed", "authorized"]
    listed = await payments.client.get(URL, params={"orderId": order_id}, headers=buyer.headers)
    assert [p["status"] for p in listed.json()] == ["authorized", "failed"]  # newest first
    held = [
        pi.id for pi in await intents(stripe_client, order_id) if pi.status == "requires_capture"
    ]
    assert held == [paid.json()["stripeId"]]
    announced = await eventually(lambda: events(payments.nats_url, "payment.authorized", order_id))
    assert [a["id"] for a in announced] == [paid.json()["id"]]


async def test_too_many_declines_for_one_order_is_429(
    database_url: str, nats_url: str, localstripe: str, buyer: Person
) -> None:
    settings = payments_settings(database_url, nats_url, localstripe, max_declines_per_order=2)
    async with running_payments(settings) as payments:
        order_id = await payments.order_created(buyer)
        for _ in range(2):
            declined = await payments.pay(buyer, order_id, token="pm_card_chargeCustomerFail")
            assert declined.status_code == 402
        refused = await payments.pay(buyer, order_id)
        assert refused.status_code == 429
        assert errors(refused)[0]["message"] == "Too many declined payments for this order"
        assert await statuses(payments, order_id) == ["failed", "failed"]


async def test_too_many_declines_across_a_buyers_orders_is_429(
    database_url: str, nats_url: str, localstripe: str, buyer: Person, stranger: Person
) -> None:
    settings = payments_settings(
        database_url, nats_url, localstripe, max_declines_per_buyer_per_hour=3
    )
    async with running_payments(settings) as payments:
        orders = [await payments.order_created(buyer) for _ in range(3)]
        for order_id in orders[:2]:  # 2 + 1 declines, no order over its own limit of 5
            declined = await payments.pay(buyer, order_id, token="pm_card_chargeCustomerFail")
            assert declined.status_code == 402
        assert (
            await payments.pay(buyer, orders[0], token="pm_card_chargeCustomerFail")
        ).status_code == 402
        refused = await payments.pay(buyer, orders[2])  # a fresh order, a good card
        assert refused.status_code == 429
        assert "last hour" in errors(refused)[0]["message"]
        assert await statuses(payments, orders[2]) == []
        # Another buyer is not held back by this one's declines.
        other = await payments.order_created(stranger)
        assert (await payments.pay(stranger, other)).status_code == 201


async def test_unusable_token_is_400_on_token(payments: Payments, buyer: Person) -> None:
    order_id = await payments.order_created(buyer)
    response = await payments.pay(buyer, order_id, token="pm_no_such_method")
    assert response.status_code == 400
    assert errors(response)[0]["field"] == "token"
    assert (await payments.pay(buyer, order_id)).status_code == 201


# -- listing ------------------------------------------------------------------------


async def test_listing_an_orders_payments(
    payments: Payments, buyer: Person, stranger: Person
) -> None:
    order_id = await payments.order_created(buyer)
    await known_order(payments, order_id)
    empty = await payments.client.get(URL, params={"orderId": order_id}, headers=buyer.headers)
    assert (empty.status_code, empty.json()) == (200, [])
    theirs = await payments.client.get(URL, params={"orderId": order_id}, headers=stranger.headers)
    assert theirs.status_code == 403
    unknown = await payments.client.get(URL, params={"orderId": "nope"}, headers=buyer.headers)
    assert unknown.status_code == 404
    anonymous = await payments.client.get(URL, params={"orderId": order_id})
    assert anonymous.status_code == 401
    missing = await payments.client.get(URL, headers=buyer.headers)
    assert missing.status_code == 400 and errors(missing)[0]["field"] == "orderId"


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
        [row] = rows_of(payments, order_id)
        assert row.status == "pending" and row.locked_until is None
    # Stripe is back (the same database, now pointed at it): the attempt is resumed.
    async with running_payments(payments_settings(database_url, nats_url, localstripe)) as again:
        response = await again.pay(buyer, order_id)
        assert response.status_code == 201, response.text
        assert response.json()["id"] == row.id
    assert await intent_statuses(stripe_client, order_id) == ["requires_capture"]


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


# -- the expiry race: money never moves for it ---------------------------------------


async def test_an_authorization_that_lands_after_cancellation_is_voided_not_refunded(
    database_url: str,
    nats_url: str,
    localstripe: str,
    buyer: Person,
    stripe_client: StripeClient,
) -> None:
    refunds_before = await asyncio.to_thread(refund_count, stripe_client)
    port = int(localstripe.rsplit(":", 1)[1])
    async with delaying_proxy(port, delay=1.5) as slow_stripe:
        settings = payments_settings(database_url, nats_url, slow_stripe)
        async with running_payments(settings) as payments:
            order_id = await payments.order_created(buyer)
            await known_order(payments, order_id)
            paying = asyncio.create_task(payments.pay(buyer, order_id))
            await eventually(lambda: statuses(payments, order_id))
            # The hold expires while Stripe is still authorizing the card.
            await payments.order_ended("order.cancelled", order_id)
            await known_order(payments, order_id, "cancelled")
            response = await paying
            assert response.status_code == 409
            assert "not charged" in errors(response)[0]["message"]
            await settles(payments, order_id, ["voided"])
    assert await intent_statuses(stripe_client, order_id) == ["canceled"]
    assert await asyncio.to_thread(refund_count, stripe_client) == refunds_before
    assert await events(nats_url, "payment.authorized", order_id) == []


async def test_a_stale_authorization_is_released_after_the_hold_and_grace(
    database_url: str, nats_url: str, localstripe: str, buyer: Person, stripe_client: StripeClient
) -> None:
    settings = payments_settings(
        database_url, nats_url, localstripe, authorization_grace_seconds=0.5
    )
    async with running_payments(settings) as payments:
        order_id = await payments.order_created(buyer, expires_in=1.5)
        assert (await payments.pay(buyer, order_id)).status_code == 201
        # Orders never answers (as if its consumer were down): the reconciler steps in.
        await eventually(lambda: statuses(payments, order_id), lambda s: s == ["voided"])
    assert await intent_statuses(stripe_client, order_id) == ["canceled"]


# -- the replica ----------------------------------------------------------------------


async def test_events_out_of_order_are_applied_in_version_order(
    payments: Payments, buyer: Person
) -> None:
    order_id = "ooo-" + buyer.id
    await payments.order_ended("order.cancelled", order_id, version=1)  # before its creation
    await payments.order_created(buyer, order_id=order_id, wait=False)
    await eventually(lambda: replica_status(payments, order_id), lambda s: s == "cancelled")
    await payments.order_ended("order.completed", order_id, version=1)  # stale: ignored
    await payments.order_created(buyer)  # returns once applied, after the stale event
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
