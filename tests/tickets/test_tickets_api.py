import httpx
import pytest

from harness.people import Person
from tests.support.bus import stream_messages
from tests.support.waiting import eventually
from tests.tickets.events import order_created, order_ended, send

API = "/api/tickets"
# A ticket listed on its own: no event, seat or listing.
NO_EVENT = {"eventId": None, "section": None, "row": None, "seat": None, "listingId": None}


async def listing(
    client: httpx.AsyncClient, seller: Person, title: str = "Concert", price: int = 2000
) -> dict:
    response = await client.post(API, json={"title": title, "price": price}, headers=seller.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def reserve(
    client: httpx.AsyncClient, nats_url: str, ticket_id: str, order_id: str = "order-a"
) -> None:
    await send(nats_url, "order.created", order_created(order_id, ticket_id))
    await eventually(
        lambda: client.get(f"{API}/{ticket_id}"), lambda r: r.json()["status"] == "reserved"
    )


async def test_create_returns_the_ticket_and_publishes_ticket_created(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket = await listing(client, seller, title="  Taylor Swift — Row 5  ", price=12_500)
    assert ticket == {
        "id": ticket["id"],
        "title": "Taylor Swift — Row 5",
        "price": 12_500,
        "allInPrice": 13_750,  # the default buyer fee: 10 %
        "userId": seller.id,
        "version": 0,
        "orderId": None,
        "status": "available",
        **NO_EVENT,
        "hasFile": False,
    }
    messages = await eventually(lambda: stream_messages(nats_url, "ticket.created"))
    _subject, payload, headers = messages[0]
    assert payload == {
        "id": ticket["id"],
        "version": 0,
        "title": "Taylor Swift — Row 5",
        "price": 12_500,
        "userId": seller.id,
        "allInPrice": 13_750,
        **NO_EVENT,
        "hasFile": False,
    }
    assert headers["Nats-Msg-Id"]


async def test_create_requires_a_session(client: httpx.AsyncClient) -> None:
    anonymous = await client.post(API, json={"title": "Concert", "price": 2000})
    assert anonymous.status_code == 401
    assert anonymous.json() == {"errors": [{"message": "Not authorized", "field": None}]}
    forged = await client.post(
        API, json={"title": "Concert", "price": 2000}, headers={"Cookie": "session=not-a-jwt"}
    )
    assert forged.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "   ", "price": 2000}, "title"),
        ({"title": "x" * 121, "price": 2000}, "title"),
        ({"title": 42, "price": 2000}, "title"),
        ({"title": "bad\x00title", "price": 2000}, "title"),
        ({"title": "Concert", "price": 20.5}, "price"),
        ({"title": "Concert", "price": 2000.0}, "price"),
        ({"title": "Concert", "price": "2000"}, "price"),
        ({"title": "Concert", "price": True}, "price"),
        ({"title": "Concert", "price": 49}, "price"),
        ({"title": "Concert", "price": 10_000_001}, "price"),
        ({"title": "Concert", "price": None}, "price"),
        ({"title": "Concert"}, "price"),
    ],
)
async def test_create_rejects_invalid_input(
    client: httpx.AsyncClient, seller: Person, body: dict, field: str
) -> None:
    response = await client.post(API, json=body, headers=seller.headers)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["message"]


async def test_create_lists_every_invalid_field_and_bad_json(
    client: httpx.AsyncClient, seller: Person
) -> None:
    both = await client.post(API, json={"title": "", "price": 1}, headers=seller.headers)
    assert both.status_code == 400
    assert both.json() == {
        "errors": [
            {"message": "Title is required", "field": "title"},
            {
                "message": "Price must be a whole number of cents from 50 to 10000000",
                "field": "price",
            },
        ]
    }
    broken = await client.post(
        API, content=b"{nope", headers={**seller.headers, "content-type": "application/json"}
    )
    assert broken.status_code == 400


async def test_price_and_title_bounds_are_inclusive(
    client: httpx.AsyncClient, seller: Person
) -> None:
    assert (await listing(client, seller, title="x" * 120, price=50))["price"] == 50
    assert (await listing(client, seller, title="y", price=10_000_000))["price"] == 10_000_000


async def test_list_shows_only_available_tickets(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    free = await listing(client, seller, title="Free seat")
    held = await listing(client, seller, title="Held seat")
    await reserve(client, nats_url, held["id"])
    response = await client.get(API)
    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [free["id"]]


async def test_search_sort_and_paging(client: httpx.AsyncClient, seller: Person) -> None:
    a = await listing(client, seller, title="Jazz Night", price=3000)
    b = await listing(client, seller, title="jazz brunch", price=1000)
    c = await listing(client, seller, title="Rock 100% live", price=2000)

    async def ids(**params: str | int) -> list[str]:
        response = await client.get(API, params=params)
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()]

    assert await ids() == [c["id"], b["id"], a["id"]]  # newest first
    assert await ids(q="JAZZ") == [b["id"], a["id"]]
    assert await ids(q="100%") == [c["id"]]
    assert await ids(q="%") == [c["id"]]  # a literal percent sign, not a wildcard
    assert await ids(q="opera") == []
    assert await ids(sort="price_asc") == [b["id"], c["id"], a["id"]]
    assert await ids(sort="price_desc") == [a["id"], c["id"], b["id"]]
    assert await ids(sort="price_asc", limit=2) == [b["id"], c["id"]]
    assert await ids(sort="price_asc", limit=2, offset=2) == [a["id"]]
    assert await ids(offset=5) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
        ({"sort": "cheapest"}, "sort"),
        ({"q": "x" * 121}, "q"),
        ({"q": "a\x00b"}, "q"),
    ],
)
async def test_list_rejects_bad_query_values(
    client: httpx.AsyncClient, params: dict, field: str
) -> None:
    response = await client.get(API, params=params)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_list_reports_every_bad_query_value(client: httpx.AsyncClient) -> None:
    response = await client.get(API, params={"limit": 0, "offset": -1, "sort": "x"})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"limit", "offset", "sort"}


async def test_mine_lists_the_callers_tickets_in_every_status(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    assert (await client.get(f"{API}/mine")).status_code == 401
    first = await listing(client, seller, title="First")
    second = await listing(client, seller, title="Second")
    await listing(client, Person("someone-else"), title="Not mine")
    await reserve(client, nats_url, first["id"])
    response = await client.get(f"{API}/mine", headers=seller.headers)
    assert response.status_code == 200
    mine = response.json()
    assert [(t["id"], t["status"]) for t in mine] == [
        (second["id"], "available"),
        (first["id"], "reserved"),
    ]


async def test_show_any_status_and_404s(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket = await listing(client, seller)
    await reserve(client, nats_url, ticket["id"])
    shown = await client.get(f"{API}/{ticket['id']}")
    assert shown.status_code == 200
    assert shown.json()["status"] == "reserved" and shown.json()["orderId"] == "order-a"
    for bad in ("0" * 32, "not-an-id", "x" * 300, "%00", "a%20b", "%E2%98%83"):
        missing = await client.get(f"{API}/{bad}")
        assert missing.status_code == 404, bad
        assert missing.json() == {"errors": [{"message": "Ticket not found", "field": None}]}


async def test_unknown_routes_health_and_docs(client: httpx.AsyncClient) -> None:
    unknown = await client.get(f"{API}/a/b/c")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["message"] == "Not found"
    assert (await client.get(f"{API}/healthz")).json() == {"status": "ok"}
    assert (await client.get(f"{API}/readyz")).status_code == 200
    assert (await client.get(f"{API}/docs")).status_code == 200
    assert "/api/tickets/{ticket_id}" in (await client.get(f"{API}/openapi.json")).json()["paths"]


async def test_update_by_owner_bumps_version_and_publishes(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket = await listing(client, seller)
    response = await client.put(
        f"{API}/{ticket['id']}",
        json={"title": " Concert (moved) ", "price": 2500},
        headers=seller.headers,
    )
    assert response.status_code == 200
    assert response.json() == {
        **ticket,
        **{"title": "Concert (moved)", "price": 2500, "allInPrice": 2750, "version": 1},
    }
    again = await client.put(
        f"{API}/{ticket['id']}",
        json={"title": "Concert", "price": 2600, "version": 1},
        headers=seller.headers,
    )
    assert again.json()["version"] == 2
    updates = await eventually(
        lambda: stream_messages(nats_url, "ticket.updated"), lambda m: len(m) == 2
    )
    assert [p for _, p, _ in updates] == [
        {
            "id": ticket["id"],
            "version": version,
            "title": title,
            "price": price,
            "allInPrice": all_in,
            "userId": seller.id,
            "orderId": None,
            "status": "available",
            **NO_EVENT,
            "hasFile": False,
        }
        for version, title, price, all_in in [
            (1, "Concert (moved)", 2500, 2750),
            (2, "Concert", 2600, 2860),
        ]
    ]


async def test_update_errors(client: httpx.AsyncClient, nats_url: str, seller: Person) -> None:
    ticket = await listing(client, seller)
    url = f"{API}/{ticket['id']}"
    body = {"title": "New", "price": 3000}
    assert (await client.put(url, json=body)).status_code == 401
    stranger = await client.put(url, json=body, headers=Person("stranger").headers)
    assert stranger.status_code == 403
    assert (
        await client.put(f"{API}/{'0' * 32}", json=body, headers=seller.headers)
    ).status_code == 404
    invalid = await client.put(url, json={"title": "", "price": 3.5}, headers=seller.headers)
    assert invalid.status_code == 400
    assert {e["field"] for e in invalid.json()["errors"]} == {"title", "price"}
    bad_version = await client.put(url, json={**body, "version": "1"}, headers=seller.headers)
    assert bad_version.status_code == 400 and bad_version.json()["errors"][0]["field"] == "version"
    assert (await client.get(url)).json()["version"] == 0


async def test_reserved_and_sold_tickets_cannot_be_edited(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket = await listing(client, seller)
    url = f"{API}/{ticket['id']}"
    await reserve(client, nats_url, ticket["id"], "order-a")
    reserved = await client.put(url, json={"title": "New", "price": 3000}, headers=seller.headers)
    assert reserved.status_code == 409
    assert reserved.json()["errors"][0]["message"] == "Ticket is reserved and cannot be edited"
    # A stranger learns nothing about the state: ownership is checked first.
    assert (
        await client.put(
            url, json={"title": "New", "price": 3000}, headers=Person("stranger").headers
        )
    ).status_code == 403
    await send(nats_url, "order.completed", order_ended("order-a", ticket["id"]))
    await eventually(lambda: client.get(url), lambda r: r.json()["status"] == "sold")
    sold = await client.put(url, json={"title": "New", "price": 3000}, headers=seller.headers)
    assert sold.status_code == 409
    assert sold.json()["errors"][0]["message"] == "Ticket is sold and cannot be edited"
