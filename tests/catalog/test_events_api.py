"""`POST /api/events` and `GET /api/events/{id}`: every row of the contract."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from harness.people import Person
from tests.catalog.support import API, Catalog, parse, show, when
from tests.support.bus import stream_messages
from tests.support.waiting import eventually


async def create(client: httpx.AsyncClient, who: Person, **fields: Any) -> httpx.Response:
    return await client.post(API, json=show(**fields), headers=who.headers)


async def test_create_returns_the_event_and_publishes_event_created(
    client: httpx.AsyncClient, nats_url: str, organiser: Person
) -> None:
    starts_at = when(days=40)
    response = await create(
        client,
        organiser,
        name="  Taylor Swift ",
        venue=" Wembley ",
        city="London ",
        starts_at=starts_at,
    )
    assert response.status_code == 201, response.text
    event = response.json()
    assert event == {
        "id": event["id"],
        "name": "Taylor Swift",
        "venue": "Wembley",
        "city": "London",
        "startsAt": event["startsAt"],
        "version": 0,
        "available": 0,
        "minPrice": None,
    }
    assert parse(event["startsAt"]) == parse(starts_at)
    assert (await client.get(f"{API}/{event['id']}")).json() == event

    messages = await eventually(lambda: stream_messages(nats_url, "event.created"))
    _subject, payload, headers = messages[0]
    assert payload == {k: event[k] for k in ("id", "version", "name", "venue", "city")} | {
        "startsAt": payload["startsAt"]
    }
    assert parse(payload["startsAt"]) == parse(starts_at)
    assert headers["Nats-Msg-Id"]


async def test_a_start_with_an_offset_is_kept_in_utc_to_the_second(
    client: httpx.AsyncClient, organiser: Person
) -> None:
    local = when(days=10).replace("Z", "") + ".123456+02:00"
    response = await create(client, organiser, starts_at=local)
    assert response.status_code == 201, response.text
    stored = parse(response.json()["startsAt"])
    assert stored == parse(local).replace(microsecond=0)
    assert stored.utcoffset() == timedelta(0)


async def test_create_requires_a_session(client: httpx.AsyncClient) -> None:
    anonymous = await client.post(API, json=show())
    assert anonymous.status_code == 401
    assert anonymous.json() == {"errors": [{"message": "Not authorized", "field": None}]}
    forged = await client.post(API, json=show(), headers={"Cookie": "session=not-a-jwt"})
    assert forged.status_code == 401


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": 42}, "name"),
        ({"name": None}, "name"),
        ({"name": "bad\x00name"}, "name"),
        ({"venue": ""}, "venue"),
        ({"venue": "v" * 121}, "venue"),
        ({"venue": ["Wembley"]}, "venue"),
        ({"city": "\t"}, "city"),
        ({"city": "c" * 121}, "city"),
        ({"startsAt": when(days=-1)}, "startsAt"),
        ({"startsAt": when(days=0, hours=-0.01)}, "startsAt"),
        ({"startsAt": when(days=2 * 366)}, "startsAt"),
        ({"startsAt": "2030-06-14T19:30:00"}, "startsAt"),  # no offset
        ({"startsAt": "next friday"}, "startsAt"),
        ({"startsAt": 1_900_000_000}, "startsAt"),
        ({"startsAt": None}, "startsAt"),
        ({"startsAt": "9999-12-31T23:00:00-05:00"}, "startsAt"),
    ],
)
async def test_create_refuses_bad_fields_naming_them(
    client: httpx.AsyncClient, organiser: Person, fields: dict[str, Any], field: str
) -> None:
    body = show() | fields
    response = await client.post(API, json=body, headers=organiser.headers)
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_lone_surrogate_is_400_not_a_database_error(
    client: httpx.AsyncClient, organiser: Person
) -> None:
    raw = show(name="PLACEHOLDER")
    content = httpx.Request("POST", "/", json=raw).content.replace(b"PLACEHOLDER", b"\\ud800")
    headers = {**organiser.headers, "Content-Type": "application/json"}
    response = await client.post(API, content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


async def test_create_lists_every_failing_field_and_missing_ones(
    client: httpx.AsyncClient, organiser: Person
) -> None:
    body = {"name": "", "venue": "v" * 200, "startsAt": when(days=-3)}
    response = await client.post(API, json=body, headers=organiser.headers)
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "name": "Name is required",
        "venue": "Venue must be at most 120 characters",
        "city": "Field required",
        "startsAt": "Start time must be in the future",
    }


@pytest.mark.parametrize(
    "content", [b"", b"not json", b"[]", b"null", b'"text"', b"{", b'{"name": "\\ud800"}']
)
async def test_a_body_that_is_no_event_is_400_never_5xx(
    client: httpx.AsyncClient, organiser: Person, content: bytes
) -> None:
    headers = {**organiser.headers, "Content-Type": "application/json"}
    response = await client.post(API, content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["errors"]


async def test_the_same_show_twice_is_409_whatever_the_case_or_spacing(
    client: httpx.AsyncClient, organiser: Person
) -> None:
    starts_at = when(days=50)
    first = await create(client, organiser, name="Taylor Swift", starts_at=starts_at)
    assert first.status_code == 201
    same_moment = parse(starts_at).astimezone().isoformat()  # another offset, same instant
    again = await create(
        client,
        Person("other"),
        name="  TAYLOR   swift ",
        venue="wembley stadium",
        starts_at=same_moment,
    )
    assert again.status_code == 409, again.text
    assert again.json()["errors"][0]["message"].startswith("This event")
    # Another start, venue or name is another show.
    later = when(days=51)
    assert (
        await create(client, organiser, name="Taylor Swift", starts_at=later)
    ).status_code == 201
    other_venue = await create(client, organiser, venue="O2 Arena", starts_at=starts_at)
    assert other_venue.status_code == 201
    assert (await create(client, organiser, name="Adele", starts_at=starts_at)).status_code == 201


async def test_racing_creates_of_one_show_give_one_201_and_409s(
    client: httpx.AsyncClient, nats_url: str
) -> None:
    body = show(name="Race Night", starts_at=when(days=20))
    people = [Person(f"p{i}") for i in range(12)]
    responses = await asyncio.gather(
        *(client.post(API, json=body, headers=p.headers) for p in people)
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 11, [r.text for r in responses]
    listed = (await client.get(API, params={"q": "race night"})).json()
    assert len(listed) == 1
    created = await eventually(lambda: stream_messages(nats_url, "event.created"))
    assert [p["id"] for _, p, _ in created] == [listed[0]["id"]]


async def test_show_is_404_for_unknown_or_malformed_ids_and_200_for_past_events(
    catalog: Catalog,
) -> None:
    client = catalog.client
    for bad in ("0" * 32, "no-such-event", "x" * 65, "%00", "..%2f..", "a b"):
        response = await client.get(f"{API}/{bad}")
        assert response.status_code == 404, bad
        assert response.json()["errors"][0]["field"] is None
    past = await catalog.insert_past("Yesterday's Gig")
    shown = await client.get(f"{API}/{past}")
    assert shown.status_code == 200 and shown.json()["name"] == "Yesterday's Gig"


async def test_health_and_docs_are_under_the_prefix(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/healthz")).status_code == 200
    assert (await client.get(f"{API}/readyz")).json()["status"] == "ready"
    spec = (await client.get(f"{API}/openapi.json")).json()
    assert set(spec["paths"]) >= {API, f"{API}/{{event_id}}"}
    assert "422" not in str(spec["paths"][API])
    unknown = await client.get(f"{API}/a/b")
    assert unknown.status_code == 404
