"""3-D Secure: the challenge answered 201 with its client secret, completed or failed
through the local test-authentication step (or by the browser at Stripe, then heard of
through the reconciler)."""

from __future__ import annotations

import asyncio
from typing import Any

from stripe import StripeClient

from tests.payments.conftest import Payments, Person, payments_settings, running_payments
from tests.payments.support import (
    THREE_D_SECURE,
    URL,
    errors,
    events,
    intent_statuses,
    settles,
    statuses,
)
from tests.support.waiting import eventually


async def challenged(payments: Payments, buyer: Person, order_id: str) -> dict[str, Any]:
    response = await payments.pay(buyer, order_id, token=THREE_D_SECURE)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "requires_action" and body["clientSecret"], body
    return body


async def authenticate(payments: Payments, person: Person, payment_id: str, success: bool) -> Any:
    return await payments.client.post(
        f"{URL}/{payment_id}/test-authentication",
        json={"success": success},
        headers=person.headers,
    )


async def test_a_completed_challenge_authorizes_then_captures(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    first = await challenged(payments, buyer, order_id)
    again = await challenged(payments, buyer, order_id)  # a double click: the same challenge
    assert (again["id"], again["clientSecret"]) == (first["id"], first["clientSecret"])
    assert await events(payments.nats_url, "payment.authorized", order_id) == []

    done = await authenticate(payments, buyer, first["id"], success=True)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "authorized"
    await eventually(lambda: events(payments.nats_url, "payment.authorized", order_id))
    await payments.completed_with(order_id, first["id"])
    await settles(payments, order_id, ["captured"])
    assert await intent_statuses(stripe_client, order_id) == ["succeeded"]


async def test_a_failed_challenge_leaves_the_order_payable(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    first = await challenged(payments, buyer, order_id)
    failed = await authenticate(payments, buyer, first["id"], success=False)
    assert failed.status_code == 200 and failed.json()["status"] == "failed"
    assert await statuses(payments, order_id) == ["failed"]
    paid = await payments.pay(buyer, order_id)
    assert paid.status_code == 201 and paid.json()["status"] == "authorized"
    assert await intent_statuses(stripe_client, order_id) == [
        "requires_capture",
        "requires_payment_method",
    ]


async def test_another_card_drops_the_pending_challenge(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    await challenged(payments, buyer, order_id)
    paid = await payments.pay(buyer, order_id, token="pm_card_visa")
    assert paid.status_code == 201 and paid.json()["status"] == "authorized"
    assert await statuses(payments, order_id) == ["voided", "authorized"]
    assert await intent_statuses(stripe_client, order_id) == ["canceled", "requires_capture"]


async def test_only_the_buyer_may_answer_a_pending_challenge(
    payments: Payments, buyer: Person, stranger: Person
) -> None:
    order_id = await payments.order_created(buyer)
    first = await challenged(payments, buyer, order_id)
    assert (await authenticate(payments, stranger, first["id"], True)).status_code == 403
    assert (await authenticate(payments, buyer, "no-such-payment", True)).status_code == 404
    assert (await authenticate(payments, buyer, first["id"], False)).status_code == 200
    late = await authenticate(payments, buyer, first["id"], True)
    assert late.status_code == 409
    assert errors(late)[0]["message"] == "This payment is not awaiting authentication"


async def test_a_challenge_completed_at_stripe_is_picked_up_without_a_webhook(
    database_url: str, nats_url: str, localstripe: str, buyer: Person, stripe_client: StripeClient
) -> None:
    """As Stripe.js would: the browser answers the bank at Stripe, and the webhook is lost;
    the reconciler looks the challenge up again."""
    settings = payments_settings(database_url, nats_url, localstripe, challenge_recheck_seconds=0)
    async with running_payments(settings) as payments:
        order_id = await payments.order_created(buyer)
        first = await challenged(payments, buyer, order_id)
        await asyncio.to_thread(
            stripe_client.raw_request,
            "post",
            f"/v1/payment_intents/{first['stripeId']}/_authenticate",
            client_secret=first["clientSecret"],
            success=True,
        )
        await settles(payments, order_id, ["authorized"])
        await eventually(lambda: events(payments.nats_url, "payment.authorized", order_id))


async def test_reading_the_payments_picks_up_a_challenge_answered_at_stripe(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    """What the order page does once Stripe.js resolves: no webhook needed."""
    order_id = await payments.order_created(buyer)
    first = await challenged(payments, buyer, order_id)
    await asyncio.to_thread(
        stripe_client.raw_request,
        "post",
        f"/v1/payment_intents/{first['stripeId']}/_authenticate",
        client_secret=first["clientSecret"],
        success=True,
    )
    listed = await payments.client.get(URL, params={"orderId": order_id}, headers=buyer.headers)
    assert [p["status"] for p in listed.json()] == ["authorized"]
    await eventually(lambda: events(payments.nats_url, "payment.authorized", order_id))
