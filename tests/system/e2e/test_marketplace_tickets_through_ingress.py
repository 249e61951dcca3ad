"""Marketplace v2, tickets' side, through the ingress: list seats of an event, deliver the
e-ticket (2 MiB through nginx), and only the paying buyer and the seller can fetch it."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from contracts.rules import TICKET_FILE_MAX_BYTES
from tests.system.conftest import Stack, eventually


def test_list_seats_deliver_the_file_and_download_after_payment(stack: Stack) -> None:
    seller, buyer, stranger = stack.user("seller"), stack.user("buyer"), stack.user("stranger")
    starts_at = (datetime.now(UTC) + timedelta(days=9)).isoformat()
    show = {"name": f"Seats {uuid.uuid4().hex[:6]}", "venue": "O2", "city": "London"}
    event = seller.post("/api/events", json={**show, "startsAt": starts_at}).json()
    seats = [{"section": "A", "row": "3", "seat": "1"}, {"section": "A", "row": "3", "seat": "2"}]
    body = {"eventId": event["id"], "price": 4000, "seats": seats}
    # Tickets learns of the event from event.created: refused (400 eventId) until then.
    listing = eventually(lambda: seller.post("/api/listings", json=body), lambda r: r.is_success)
    assert listing.status_code == 201, listing.text
    first = listing.json()["tickets"][0]
    assert listing.json()["allInPrice"] == 4400 and first["hasFile"] is False

    pdf = b"%PDF-1.4\n" + os.urandom(TICKET_FILE_MAX_BYTES - 9)  # the largest allowed
    url = f"/api/tickets/{first['id']}/file"
    uploaded = seller.put(url, content=pdf, headers={"Content-Type": "application/pdf"})
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["hasFile"] is True
    fake = seller.put(
        url, content=b"GIF89a" + b"0" * 100, headers={"Content-Type": "application/pdf"}
    )
    assert fake.status_code == 400 and fake.json()["errors"][0]["field"] == "file"
    too_big = seller.put(url, content=pdf + b"x", headers={"Content-Type": "application/pdf"})
    assert too_big.status_code == 400  # the service's answer, not nginx's

    order = eventually(
        lambda: buyer.post("/api/orders", json={"ticketId": first["id"]}),
        lambda r: r.status_code != 404,
    ).json()
    assert buyer.get(url).status_code == 403  # held, not paid
    paid = eventually(
        lambda: buyer.post("/api/payments", json={"orderId": order["id"], "token": "pm_card_visa"}),
        lambda r: r.status_code != 404,
    )
    assert paid.status_code == 201, paid.text
    eventually(lambda: buyer.get(url).status_code, lambda s: s == 200)
    got = buyer.get(url)
    assert got.content == pdf
    assert got.headers["content-disposition"].startswith("attachment")
    assert stranger.get(url).status_code == 403
    with stack.client() as anonymous:
        assert anonymous.get(url).status_code == 401
