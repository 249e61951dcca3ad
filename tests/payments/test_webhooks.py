"""Signed Stripe webhooks: verified on the raw body, applied once, a hint to look the
PaymentIntent up (never trusted for its status)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx
from sqlmodel import Session, func, select
from stripe import StripeClient

from backend_services.payments.models import StripeEvent
from tests.payments.conftest import WEBHOOK_SECRET, Payments, Person
from tests.payments.support import (
    THREE_D_SECURE,
    events,
    intent_statuses,
    rows_of,
    settles,
    statuses,
)
from tests.support.waiting import eventually

HOOK = "/api/payments/webhooks/stripe"


def stripe_event(intent_id: str, kind: str = "payment_intent.succeeded") -> dict[str, Any]:
    """The shape Stripe (and localstripe) sends; the object's status is deliberately stale."""
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": {"id": intent_id, "object": "payment_intent", "status": "canceled"}},
    }


def signed(body: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), b"%d.%s" % (stamp, body), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


async def deliver(
    payments: Payments, event: dict[str, Any], signature: str | None = None
) -> httpx.Response:
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    headers["Stripe-Signature"] = signature if signature is not None else signed(body)
    return await payments.client.post(HOOK, content=body, headers=headers)


def recorded_events(payments: Payments) -> int:
    with Session(payments.engine) as session:
        return int(session.exec(select(func.count()).select_from(StripeEvent)).one())


async def authenticated_at_stripe(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> tuple[str, str]:
    """An order whose 3-D Secure challenge the browser completed at Stripe: only a webhook
    (or the reconciler, much later) tells payments."""
    order_id = await payments.order_created(buyer)
    body = (await payments.pay(buyer, order_id, token=THREE_D_SECURE)).json()
    await asyncio.to_thread(
        stripe_client.raw_request,
        "post",
        f"/v1/payment_intents/{body['stripeId']}/_authenticate",
        client_secret=body["clientSecret"],
        success=True,
    )
    return order_id, body["stripeId"]


async def test_a_valid_event_delivered_three_times_is_applied_once(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id, intent_id = await authenticated_at_stripe(payments, buyer, stripe_client)
    event = stripe_event(intent_id)
    responses = await asyncio.gather(*(deliver(payments, event) for _ in range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200], [r.text for r in responses]
    assert await statuses(payments, order_id) == ["authorized"]  # from the intent, not the event
    assert recorded_events(payments) == 1
    await eventually(lambda: events(payments.nats_url, "payment.authorized", order_id))
    assert len(await events(payments.nats_url, "payment.authorized", order_id)) == 1


async def test_forged_stale_or_missing_signatures_are_400_and_change_nothing(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id, intent_id = await authenticated_at_stripe(payments, buyer, stripe_client)
    event = stripe_event(intent_id)
    body = json.dumps(event).encode()
    tampered = json.dumps({**event, "type": "payment_intent.canceled"}).encode()
    for signature in (
        signed(body, secret="whsec_forged_0000000000000000"),
        signed(body, at=int(time.time()) - 600),  # outside the 5-minute tolerance
        signed(tampered),  # a signature for other bytes
        "",
        "t=1,v1=nothex",
    ):
        response = await deliver(payments, event, signature)
        assert response.status_code == 400, (signature, response.text)
        assert response.json()["errors"][0]["message"] == "Invalid or missing Stripe signature"
    missing = await payments.client.post(HOOK, content=body)
    assert missing.status_code == 400
    assert await statuses(payments, order_id) == ["requires_action"]
    assert recorded_events(payments) == 0


async def test_an_event_about_someone_elses_intent_is_acknowledged(payments: Payments) -> None:
    response = await deliver(payments, stripe_event("pi_not_ours"))
    assert response.status_code == 200
    again = await deliver(payments, stripe_event("pi_not_ours", "customer.created"))
    assert again.status_code == 200


async def test_webhooks_racing_the_request_and_the_capture_move_money_once(
    payments: Payments, buyer: Person, stripe_client: StripeClient
) -> None:
    order_id = await payments.order_created(buyer)
    paying = asyncio.create_task(payments.pay(buyer, order_id))
    rows = await eventually(
        lambda: asyncio.to_thread(rows_of, payments, order_id),
        lambda found: bool(found) and found[0].stripe_id is not None,
        interval=0.005,
    )
    intent_id = rows[0].stripe_id
    assert intent_id is not None
    hooks = [deliver(payments, stripe_event(intent_id)) for _ in range(5)]
    response, *delivered = await asyncio.gather(paying, *hooks)
    assert response.status_code == 201, response.text
    assert all(r.status_code == 200 for r in delivered)
    payment_id = response.json()["id"]
    # Orders completes it while Stripe's news of the capture keeps arriving.
    hooks = [deliver(payments, stripe_event(intent_id)) for _ in range(5)]
    await asyncio.gather(payments.completed_with(order_id, payment_id), *hooks)
    await settles(payments, order_id, ["captured"])
    await asyncio.gather(*(deliver(payments, stripe_event(intent_id)) for _ in range(3)))
    assert await intent_statuses(stripe_client, order_id) == ["succeeded"]
    await eventually(lambda: events(payments.nats_url, "payment.captured", order_id))
    assert len(await events(payments.nats_url, "payment.authorized", order_id)) == 1
    assert len(await events(payments.nats_url, "payment.captured", order_id)) == 1
