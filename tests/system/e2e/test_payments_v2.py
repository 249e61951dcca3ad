"""Payments v2 through the ingress of a `make run`-style stack: orders decides on every
authorization, 3-D Secure, and the webhook `make run` registers with the local Stripe."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time
from typing import Any

import httpx
import stripe
from stripe import StripeClient

from tests.system.conftest import Stack, eventually
from tests.system.e2e.test_through_ingress import list_ticket, reserve, ticket_status

THREE_D_SECURE = "pm_card_authenticationRequired"


def local_stripe(stack: Stack) -> StripeClient:
    return StripeClient(
        "sk_test_local",
        base_addresses={"api": f"http://127.0.0.1:{stack.ports['stripe']}"},
        http_client=stripe.RequestsClient(timeout=10),
    )


def open_order(stack: Stack, price: int = 3000) -> tuple[httpx.Client, dict[str, Any], str]:
    seller = stack.user("seller")
    buyer = stack.user("buyer")
    ticket = list_ticket(seller, price=price)
    order = reserve(buyer, ticket["id"])
    assert order.status_code == 201, order.text
    return buyer, order.json(), ticket["id"]


def pay(buyer: httpx.Client, order_id: str, token: str = "pm_card_visa") -> httpx.Response:
    """As soon as payments has heard of the order (its replica follows events)."""
    return eventually(
        lambda: buyer.post("/api/payments", json={"orderId": order_id, "token": token}),
        lambda r: r.status_code != 404,
    )


def order_status(buyer: httpx.Client, order_id: str) -> str:
    return str(buyer.get(f"/api/orders/{order_id}").json()["status"])


def payment_statuses(buyer: httpx.Client, order_id: str) -> list[str]:
    found = buyer.get("/api/payments", params={"orderId": order_id}).json()
    return [p["status"] for p in found]


def webhook_events_applied(stack: Stack) -> int:
    with sqlite3.connect(stack.var / "data" / "payments.db") as db:
        return int(db.execute("SELECT count(*) FROM stripe_events").fetchone()[0])


def test_cancel_then_pay_never_charges(stack: Stack) -> None:
    buyer, order, _ = open_order(stack)
    # Payments has heard of the order: its decision is the one being raced.
    eventually(
        lambda: buyer.get("/api/payments", params={"orderId": order["id"]}).status_code == 200
    )
    assert buyer.delete(f"/api/orders/{order['id']}").status_code == 200
    paid = buyer.post("/api/payments", json={"orderId": order["id"], "token": "pm_card_visa"})
    assert paid.status_code in (201, 409), paid.text
    eventually(
        lambda: payment_statuses(buyer, order["id"]), lambda found: found in ([], ["voided"])
    )
    intents = local_stripe(stack).v1.payment_intents.list({"limit": 100}).auto_paging_iter()
    mine = [pi.status for pi in intents if pi.metadata.to_dict().get("orderId") == order["id"]]
    assert "succeeded" not in mine and "requires_capture" not in mine, mine


def test_declined_card_is_402_and_the_order_stays_payable(stack: Stack) -> None:
    buyer, order, _ = open_order(stack)
    declined = pay(buyer, order["id"], token="pm_card_chargeCustomerFail")
    assert declined.status_code == 402
    assert order_status(buyer, order["id"]) == "created"
    assert pay(buyer, order["id"]).status_code == 201
    eventually(lambda: order_status(buyer, order["id"]), lambda s: s == "complete")
    eventually(lambda: payment_statuses(buyer, order["id"]), lambda s: s == ["captured", "failed"])


def test_three_d_secure_test_authentication_completes_the_order(stack: Stack) -> None:
    buyer, order, ticket_id = open_order(stack)
    challenged = pay(buyer, order["id"], token=THREE_D_SECURE)
    assert challenged.status_code == 201, challenged.text
    body = challenged.json()
    assert body["status"] == "requires_action" and body["clientSecret"]
    failed = buyer.post(f"/api/payments/{body['id']}/test-authentication", json={"success": False})
    assert failed.json()["status"] == "failed"
    assert order_status(buyer, order["id"]) == "created"  # still payable
    again = pay(buyer, order["id"], token=THREE_D_SECURE).json()
    done = buyer.post(f"/api/payments/{again['id']}/test-authentication", json={"success": True})
    assert done.status_code == 200 and done.json()["status"] == "authorized", done.text
    eventually(lambda: order_status(buyer, order["id"]), lambda s: s == "complete")
    eventually(lambda: payment_statuses(buyer, order["id"]), lambda s: s == ["captured", "failed"])
    eventually(lambda: ticket_status(buyer, ticket_id), lambda s: s == "sold")


def test_a_challenge_completed_at_stripe_completes_the_order(stack: Stack) -> None:
    """As Stripe.js does it: the browser answers the bank at Stripe itself; the order page
    then reads the order's payments, which looks the challenge up at Stripe."""
    buyer, order, _ = open_order(stack)
    body = pay(buyer, order["id"], token=THREE_D_SECURE).json()
    local_stripe(stack).raw_request(
        "post",
        f"/v1/payment_intents/{body['stripeId']}/_authenticate",
        client_secret=body["clientSecret"],
        success=True,
    )
    eventually(lambda: payment_statuses(buyer, order["id"]), lambda s: s == ["captured"])
    assert order_status(buyer, order["id"]) == "complete"


def test_the_local_stripe_webhook_is_registered_signed_and_applied(stack: Stack) -> None:
    """localstripe reports a capture (`payment_intent.succeeded`) by the webhook `make run`
    registered; payments verifies it and records it once."""
    buyer, order, _ = open_order(stack)
    applied_before = webhook_events_applied(stack)
    assert pay(buyer, order["id"]).status_code == 201
    eventually(lambda: payment_statuses(buyer, order["id"]), lambda s: s == ["captured"])
    eventually(lambda: webhook_events_applied(stack), lambda n: n > applied_before)
    assert payment_statuses(buyer, order["id"]) == ["captured"]


def test_a_forged_webhook_is_400(stack: Stack) -> None:
    body = json.dumps({"id": "evt_forged", "type": "payment_intent.succeeded"}).encode()
    stamp = int(time.time())
    mac = hmac.new(b"not-the-secret", b"%d.%s" % (stamp, body), hashlib.sha256).hexdigest()
    with stack.client() as client:
        response = client.post(
            "/api/payments/webhooks/stripe",
            content=body,
            headers={"Stripe-Signature": f"t={stamp},v1={mac}"},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Invalid or missing Stripe signature"
