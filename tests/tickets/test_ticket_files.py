"""E-ticket files: type from the content, 2 MiB streamed, only seller and paid buyer read them."""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, func, select

from backend_services.tickets.models import StoredFile
from contracts.rules import TICKET_FILE_MAX_BYTES
from harness.apps import runtime_of
from harness.people import Person
from tests.support.bus import stream_messages
from tests.support.waiting import eventually
from tests.tickets.events import order_created, order_ended, send

API = "/api/tickets"
PDF = b"%PDF-1.7\n" + os.urandom(3000) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(500)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(500)


async def new_ticket(client: httpx.AsyncClient, seller: Person) -> str:
    response = await client.post(API, json={"title": "Gig", "price": 2000}, headers=seller.headers)
    assert response.status_code == 201
    return str(response.json()["id"])


async def upload(
    client: httpx.AsyncClient,
    who: Person | None,
    ticket_id: str,
    content: bytes,
    content_type: str = "application/pdf",
) -> httpx.Response:
    headers = {**(who.headers if who else {}), "Content-Type": content_type}
    return await client.put(f"{API}/{ticket_id}/file", content=content, headers=headers)


async def download(client: httpx.AsyncClient, who: Person | None, ticket_id: str) -> httpx.Response:
    return await client.get(f"{API}/{ticket_id}/file", headers=who.headers if who else {})


async def sell(client: httpx.AsyncClient, nats_url: str, ticket_id: str, buyer: Person) -> None:
    await send(nats_url, "order.created", order_created("order-b", ticket_id, user_id=buyer.id))
    await send(nats_url, "order.completed", order_ended("order-b", ticket_id))
    await eventually(
        lambda: client.get(f"{API}/{ticket_id}"), lambda r: r.json()["status"] == "sold"
    )


@pytest.mark.parametrize(
    ("content", "content_type", "extension"),
    [(PDF, "application/pdf", "pdf"), (PNG, "image/png", "png"), (JPEG, "image/jpeg", "jpg")],
)
async def test_the_seller_uploads_and_reads_back_the_exact_bytes(
    client: httpx.AsyncClient,
    nats_url: str,
    seller: Person,
    content: bytes,
    content_type: str,
    extension: str,
) -> None:
    ticket_id = await new_ticket(client, seller)
    assert (await download(client, seller, ticket_id)).status_code == 404  # nothing yet
    response = await upload(client, seller, ticket_id, content, content_type)
    assert response.status_code == 200, response.text
    assert response.json()["hasFile"] is True and response.json()["version"] == 1
    got = await download(client, seller, ticket_id)
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == content_type
    assert got.headers["content-disposition"] == (
        f'attachment; filename="ticket-{ticket_id}.{extension}"'
    )
    [(_, payload, _)] = await eventually(lambda: stream_messages(nats_url, "ticket.updated"))
    assert (payload["id"], payload["version"], payload["hasFile"]) == (ticket_id, 1, True)


async def test_a_file_of_exactly_two_mib_round_trips_in_chunks(
    client: httpx.AsyncClient, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    big = PDF[:9] + os.urandom(TICKET_FILE_MAX_BYTES - 9)
    assert (await upload(client, seller, ticket_id, big)).status_code == 200
    got = await download(client, seller, ticket_id)
    assert hashlib.sha256(got.content).digest() == hashlib.sha256(big).digest()
    assert got.headers["content-length"] == str(TICKET_FILE_MAX_BYTES)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (PNG, "application/pdf"),  # claims PDF, is a PNG
        (b"just some text, not a PDF", "application/pdf"),
        (b"%PDF", "application/pdf"),  # too short to be one
        (PDF, "image/png"),
        (PDF, "image/jpeg"),
        (PDF, "text/plain"),
        (PDF, "application/octet-stream"),
        (PDF, ""),
        (b"", "application/pdf"),
    ],
)
async def test_content_must_be_the_declared_type(
    client: httpx.AsyncClient, seller: Person, content: bytes, content_type: str
) -> None:
    ticket_id = await new_ticket(client, seller)
    response = await upload(client, seller, ticket_id, content, content_type)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert (await client.get(f"{API}/{ticket_id}")).json()["hasFile"] is False


async def test_a_declared_oversized_file_is_refused(
    client: httpx.AsyncClient, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    too_big = PDF[:9] + b"\0" * (TICKET_FILE_MAX_BYTES - 8)
    response = await upload(client, seller, ticket_id, too_big)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert (await download(client, seller, ticket_id)).status_code == 404


async def test_a_streamed_oversized_body_is_cut_off_early(
    client: httpx.AsyncClient, seller: Person
) -> None:
    """No Content-Length: the service stops reading just past the limit (memory bounded)."""
    ticket_id = await new_ticket(client, seller)
    chunk = 64 * 1024
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        for n in range(50 * 1024 * 1024 // chunk):  # 50 MiB on offer
            sent += chunk
            yield PDF[:9] + b"\0" * (chunk - 9) if n == 0 else b"\0" * chunk

    response = await client.put(
        f"{API}/{ticket_id}/file",
        content=endless(),
        headers={**seller.headers, "Content-Type": "application/pdf"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert sent <= TICKET_FILE_MAX_BYTES + 2 * chunk


async def test_uploads_only_by_the_seller(
    client: httpx.AsyncClient, seller: Person, buyer: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    assert (await upload(client, None, ticket_id, PDF)).status_code == 401
    assert (await upload(client, buyer, ticket_id, PDF)).status_code == 403
    assert (await upload(client, seller, "0" * 32, PDF)).status_code == 404
    assert (await upload(client, seller, "not an id", PDF)).status_code == 404


async def test_only_the_buyer_of_a_complete_order_and_the_seller_download(
    client: httpx.AsyncClient, nats_url: str, seller: Person, buyer: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    assert (await upload(client, seller, ticket_id, PDF)).status_code == 200
    stranger = Person("stranger")
    await send(nats_url, "order.created", order_created("order-b", ticket_id, user_id=buyer.id))
    await eventually(
        lambda: client.get(f"{API}/{ticket_id}"), lambda r: r.json()["status"] == "reserved"
    )
    for who, status in ((None, 401), (stranger, 403), (buyer, 403)):  # before payment
        refused = await download(client, who, ticket_id)
        assert refused.status_code == status
        assert PDF not in refused.content
    await send(nats_url, "order.completed", order_ended("order-b", ticket_id))
    await eventually(
        lambda: client.get(f"{API}/{ticket_id}"), lambda r: r.json()["status"] == "sold"
    )
    paid = await download(client, buyer, ticket_id)
    assert paid.status_code == 200 and paid.content == PDF
    assert paid.headers["content-disposition"].startswith("attachment")
    assert (await download(client, seller, ticket_id)).content == PDF
    assert (await download(client, stranger, ticket_id)).status_code == 403
    assert (await download(client, None, ticket_id)).status_code == 401


async def test_the_buyer_of_a_cancelled_order_gets_nothing(
    client: httpx.AsyncClient, nats_url: str, seller: Person, buyer: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await upload(client, seller, ticket_id, PDF)
    quitter = Person("quitter")
    await send(nats_url, "order.created", order_created("order-q", ticket_id, user_id=quitter.id))
    await send(nats_url, "order.cancelled", order_ended("order-q", ticket_id))
    await sell(client, nats_url, ticket_id, buyer)
    assert (await download(client, quitter, ticket_id)).status_code == 403
    assert (await download(client, buyer, ticket_id)).content == PDF


async def test_a_sold_ticket_takes_its_first_file_but_never_a_replacement(
    client: httpx.AsyncClient, nats_url: str, seller: Person, buyer: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await sell(client, nats_url, ticket_id, buyer)
    assert (await download(client, buyer, ticket_id)).status_code == 404  # not delivered yet
    delivered = await upload(client, seller, ticket_id, PNG, "image/png")
    assert delivered.status_code == 200 and delivered.json()["status"] == "sold"
    assert (await download(client, buyer, ticket_id)).content == PNG
    replaced = await upload(client, seller, ticket_id, PDF)
    assert replaced.status_code == 409
    assert (await download(client, buyer, ticket_id)).content == PNG
    updates = await eventually(
        lambda: stream_messages(nats_url, "ticket.updated"), lambda m: len(m) == 3
    )
    assert [(p["status"], p["hasFile"]) for _, p, _ in updates] == [
        ("reserved", False),
        ("sold", False),
        ("sold", True),  # the buyer's page learns of the file live
    ]


async def test_the_seller_may_replace_the_file_before_the_sale(
    client: httpx.AsyncClient, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await upload(client, seller, ticket_id, PDF)
    again = await upload(client, seller, ticket_id, JPEG, "image/jpeg")
    assert again.status_code == 200 and again.json()["version"] == 2
    got = await download(client, seller, ticket_id)
    assert got.content == JPEG and got.headers["content-type"] == "image/jpeg"


def stored_files(app: FastAPI) -> int:
    with Session(runtime_of(app).engine) as session:
        return session.exec(select(func.count()).select_from(StoredFile)).one()


async def test_concurrent_uploads_leave_one_file_and_no_orphans(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str, seller: Person, buyer: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    files = [PDF[:9] + bytes([n]) * 1000 for n in range(6)]
    responses = await asyncio.gather(*(upload(client, seller, ticket_id, f) for f in files))
    assert {r.status_code for r in responses} == {200}
    assert (await client.get(f"{API}/{ticket_id}")).json()["version"] == len(files)
    assert (await download(client, seller, ticket_id)).content in files
    assert await asyncio.to_thread(stored_files, app) == 1
    await sell(client, nats_url, ticket_id, buyer)
    assert (await upload(client, seller, ticket_id, PNG, "image/png")).status_code == 409
    assert await asyncio.to_thread(stored_files, app) == 1  # the refused upload is gone too
