"""Orders of several tickets through the ingress (CONTRACT §7): all or nothing, the
all-in total charged at the local Stripe, every ticket sold and delivered, and the
catalog's availability following along."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx

from tests.system.conftest import Stack, eventually
from tests.system.e2e.test_payments_v2 import local_stripe, pay

PRICE, ALL_IN = 4000, 4400  # the default buyer fee: 10 %
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def listed_seats(seller: httpx.Client, count: int) -> tuple[str, list[dict[str, Any]]]:
    starts_at = (datetime.now(UTC) + timedelta(days=12)).isoformat()
    show = {"name": f"Together {uuid.uuid4().hex[:6]}", "venue": "Roundhouse", "city": "London"}
    event = seller.post("/api/events", json={**show, "startsAt": starts_at}).json()
    seats = [{"section": "B", "row": "1", "seat": str(n)} for n in range(1, count + 1)]
    body = {"eventId": event["id"], "price": PRICE, "seats": seats}
    listing = eventually(lambda: seller.post("/api/listings", json=body), lambda r: r.is_success)
    assert listing.status_code == 201, listing.text
    return str(event["id"]), list(listing.json()["tickets"])


def available(client: httpx.Client, event_id: str) -> int:
    return int(client.get(f"/api/events/{event_id}").json()["available"])


def status_of(client: httpx.Client, ticket_id: str) -> str:
    return str(client.get(f"/api/tickets/{ticket_id}").json()["status"])


def file_of(client: httpx.Client, ticket_id: str) -> httpx.Response:
    return client.get(f"/api/tickets/{ticket_id}/file")


def test_buy_two_seats_in_one_order_pay_the_total_and_download_both(stack: Stack) -> None:
    seller, buyer, rival = stack.user("seller"), stack.user("buyer"), stack.user("rival")
    event_id, tickets = listed_seats(seller, 3)
    files = {}
    for ticket in tickets[:2]:
        files[ticket["id"]] = PNG + uuid.uuid4().bytes  # each its own bytes
        put = seller.put(
            f"/api/tickets/{ticket['id']}/file",
            content=files[ticket["id"]],
            headers={"Content-Type": "image/png"},
        )
        assert put.status_code == 200, put.text
    eventually(lambda: available(seller, event_id), lambda n: n == 3)
    pair = [t["id"] for t in tickets[:2]]

    placed = eventually(
        lambda: buyer.post("/api/orders", json={"ticketIds": pair}),
        lambda r: r.status_code != 404,  # orders' replica may lag the listing
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert [t["id"] for t in order["tickets"]] == pair and order["ticket"]["id"] == pair[0]
    assert (order["subtotal"], order["fee"], order["total"]) == (2 * PRICE, 800, 2 * ALL_IN)
    # All or nothing: the rival wants seat 2 (held) and seat 3 (free), and gets neither.
    lost = rival.post("/api/orders", json={"ticketIds": [pair[1], tickets[2]["id"]]})
    assert lost.status_code == 409 and lost.json()["errors"][0]["field"] == "ticketIds"
    assert rival.get("/api/orders").json() == []
    eventually(lambda: available(seller, event_id), lambda n: n == 1)
    for hostile in ([], [pair[0]] * 2, [1], "x", [str(n) for n in range(11)]):
        refused = rival.post("/api/orders", json={"ticketIds": hostile})
        assert refused.status_code == 400, (hostile, refused.text)

    paid = pay(buyer, order["id"])
    assert paid.status_code == 201, paid.text
    assert paid.json()["amount"] == 2 * ALL_IN
    intent = local_stripe(stack).v1.payment_intents.retrieve(paid.json()["stripeId"])
    assert intent.amount == 2 * ALL_IN
    eventually(
        lambda: buyer.get(f"/api/orders/{order['id']}").json()["status"], lambda s: s == "complete"
    )
    for ticket_id in pair:
        eventually(partial(status_of, buyer, ticket_id), lambda s: s == "sold")
        got = eventually(partial(file_of, buyer, ticket_id), lambda r: r.status_code == 200)
        assert got.content == files[ticket_id]
        assert rival.get(f"/api/tickets/{ticket_id}/file").status_code == 403
    assert available(seller, event_id) == 1
    third = rival.post("/api/orders", json={"ticketIds": [tickets[2]["id"]]})
    assert third.status_code == 201, third.text
