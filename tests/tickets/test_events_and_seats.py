"""Tickets of catalog events: eventId only for a known upcoming event, seats, all-in prices."""

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from backend_services.tickets.main import create
from harness.apps import serve
from harness.people import Person
from tests.support.bus import stream_messages
from tests.support.waiting import eventually
from tests.tickets.conftest import tickets_settings
from tests.tickets.events import known_event, send, show, wait_for_show

API = "/api/tickets"


async def test_a_ticket_of_an_event_with_its_seat(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    event_id = await known_event(app, nats_url)
    body = {
        "title": "Floor seat",
        "price": 2_005,
        "eventId": event_id,
        "section": " 112 ",
        "row": "F",
        "seat": "7",
    }
    response = await client.post(API, json=body, headers=seller.headers)
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert {k: ticket[k] for k in ("eventId", "section", "row", "seat", "listingId")} == {
        "eventId": event_id,
        "section": "112",
        "row": "F",
        "seat": "7",
        "listingId": None,
    }
    assert ticket["allInPrice"] == 2_206  # 2005 + 200.5 rounded half up
    assert ticket["hasFile"] is False
    [(_, payload, _)] = await eventually(lambda: stream_messages(nats_url, "ticket.created"))
    assert payload["eventId"] == event_id and payload["allInPrice"] == 2_206
    assert (payload["section"], payload["row"], payload["seat"]) == ("112", "F", "7")
    assert payload["hasFile"] is False


async def test_event_id_must_name_a_known_upcoming_event(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    past = await known_event(app, nats_url, starts_in=-timedelta(hours=1))
    for event_id in ("0" * 32, past, "bad id!", 42, "x" * 65):
        response = await client.post(
            API, json={"title": "A", "price": 2000, "eventId": event_id}, headers=seller.headers
        )
        assert response.status_code == 400, event_id
        assert [e["field"] for e in response.json()["errors"]] == ["eventId"]
    assert (await client.get(f"{API}/mine", headers=seller.headers)).json() == []


async def test_an_event_moved_into_the_past_takes_no_more_tickets(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    event_id = await known_event(app, nats_url)
    body = {"title": "A", "price": 2000, "eventId": event_id}
    assert (await client.post(API, json=body, headers=seller.headers)).status_code == 201
    # Version 2 before 1: it waits for 1, then both apply in order.
    await send(nats_url, "event.updated", show(event_id, -timedelta(minutes=5), version=2))
    await send(nats_url, "event.updated", show(event_id, timedelta(days=3), version=1))
    await wait_for_show(app, event_id, 2)
    refused = await client.post(API, json=body, headers=seller.headers)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "eventId"


@pytest.mark.parametrize(
    ("seat", "field"),
    [
        ({"section": "x" * 21}, "section"),
        ({"row": "bad\x00row"}, "row"),
        ({"seat": "7\n8"}, "seat"),
        ({"seat": 7}, "seat"),
        ({"section": ["A"]}, "section"),
    ],
)
async def test_seat_parts_are_short_plain_text(
    client: httpx.AsyncClient, seller: Person, seat: dict, field: str
) -> None:
    response = await client.post(
        API, json={"title": "A", "price": 2000, **seat}, headers=seller.headers
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_seat_parts_at_the_limit_and_blank_ones(
    client: httpx.AsyncClient, seller: Person
) -> None:
    response = await client.post(
        API,
        json={"title": "A", "price": 2000, "section": "s" * 20, "row": "  ", "seat": None},
        headers=seller.headers,
    )
    assert response.status_code == 201
    assert (response.json()["section"], response.json()["row"]) == ("s" * 20, None)


async def test_list_filters_by_event(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    first = await known_event(app, nats_url)
    second = await known_event(app, nats_url)
    ids = {}
    for name, event_id in (("a", first), ("b", second), ("c", None)):
        body = {"title": name, "price": 2000, "eventId": event_id}
        ids[name] = (await client.post(API, json=body, headers=seller.headers)).json()["id"]
    listed = await client.get(API, params={"eventId": first})
    assert [t["id"] for t in listed.json()] == [ids["a"]]
    assert (await client.get(API, params={"eventId": "0" * 32})).json() == []
    assert len((await client.get(API)).json()) == 3
    bad = await client.get(API, params={"eventId": "not an id"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "eventId"


async def test_the_fee_comes_from_settings_and_follows_the_price(
    database_url: str, nats_url: str, seller: Person
) -> None:
    settings = tickets_settings(database_url, nats_url, buyer_fee_bps=250, buyer_fee_fixed=99)
    async with serve(create(settings)) as client:
        created = await client.post(API, json={"title": "A", "price": 1002}, headers=seller.headers)
        assert created.json()["allInPrice"] == 1002 + 25 + 99  # 25.05 rounds to 25
        edited = await client.put(
            f"{API}/{created.json()['id']}",
            json={"title": "A", "price": 1010},
            headers=seller.headers,
        )
        assert edited.json()["allInPrice"] == 1010 + 25 + 99  # 25.25
