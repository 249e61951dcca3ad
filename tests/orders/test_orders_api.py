import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from harness.people import Person
from tests.orders.support import (
    API,
    Orders,
    new_id,
    orders_settings,
    running,
    send,
    ticket_created,
)
from tests.support.bus import stream_messages
from tests.support.waiting import eventually


async def listed(
    orders: Orders, nats_url: str, seller: Person, title: str = "Gig", price: int = 2000
) -> str:
    """A ticket the orders replica knows about."""
    ticket_id = new_id()
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id, title, price))
    await orders.replica_at(ticket_id, 0)
    return ticket_id


async def place(client: httpx.AsyncClient, buyer: Person, ticket_id: str) -> httpx.Response:
    return await client.post(API, json={"ticketId": ticket_id}, headers=buyer.headers)


async def subjects(nats_url: str, prefix: str = "order.") -> list[str]:
    return [s for s, _, _ in await stream_messages(nats_url) if s.startswith(prefix)]


def parse_time(value: str) -> datetime:
    assert value.endswith(("Z", "+00:00")), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_place_order_holds_the_ticket_and_publishes_order_created(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    ticket_id = await listed(orders, nats_url, seller, "Cup final", 4_999)
    before = datetime.now(UTC)
    response = await place(orders.client, buyer, ticket_id)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order == {
        "id": order["id"],
        "userId": buyer.id,
        "status": "created",
        "expiresAt": order["expiresAt"],
        "version": 0,
        "ticket": {"id": ticket_id, "title": "Cup final", "price": 4_999},
        "tickets": [{"id": ticket_id, "title": "Cup final", "price": 4_999}],
        # The default buyer fee, 10 % rounded half up: 499.9 -> 500.
        "subtotal": 4_999,
        "fee": 500,
        "total": 5_499,
    }
    expires = parse_time(order["expiresAt"])
    assert before + timedelta(seconds=899) <= expires <= datetime.now(UTC) + timedelta(seconds=901)
    events = await eventually(lambda: stream_messages(nats_url, "order.created"))
    _, payload, headers = events[0]
    assert payload == {
        "id": order["id"],
        "version": 0,
        "status": "created",
        "userId": buyer.id,
        "expiresAt": payload["expiresAt"],
        "ticket": {"id": ticket_id, "price": 4_999},
        "tickets": [{"id": ticket_id, "price": 4_999}],
        "total": 5_499,
    }
    assert parse_time(payload["expiresAt"]) == expires
    assert headers["Nats-Msg-Id"]


async def test_expiration_window_is_a_setting(
    database_url: str, nats_url: str, seller: Person, buyer: Person
) -> None:
    async with running(
        orders_settings(database_url, nats_url, expiration_window_seconds=60)
    ) as orders:
        ticket_id = await listed(orders, nats_url, seller)
        order = (await place(orders.client, buyer, ticket_id)).json()
    remaining = parse_time(order["expiresAt"]) - datetime.now(UTC)
    assert timedelta(seconds=55) < remaining <= timedelta(seconds=60)


async def test_place_order_errors(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    client = orders.client
    ticket_id = await listed(orders, nats_url, seller)
    assert (await client.post(API, json={"ticketId": ticket_id})).status_code == 401
    missing = await client.post(API, json={}, headers=buyer.headers)
    assert missing.status_code == 400
    assert missing.json() == {"errors": [{"message": "Field required", "field": "ticketId"}]}
    for bad in (None, 42, "", "   ", ["x"]):
        wrong = await client.post(API, json={"ticketId": bad}, headers=buyer.headers)
        assert wrong.status_code == 400, bad
        assert wrong.json()["errors"][0]["field"] == "ticketId"
    for unknown in (new_id(), "not-a-ticket", "../../etc", "a\x00b", "x" * 500):
        nope = await place(client, buyer, unknown)
        assert nope.status_code == 404, unknown
        assert nope.json() == {"errors": [{"message": "Ticket not found", "field": None}]}
    own = await place(client, seller, ticket_id)
    assert own.status_code == 400
    assert own.json() == {
        "errors": [{"message": "You cannot buy your own ticket", "field": "ticketId"}]
    }
    assert await subjects(nats_url) == []


async def test_a_held_ticket_cannot_be_ordered_until_released(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    client = orders.client
    ticket_id = await listed(orders, nats_url, seller)
    first = (await place(client, buyer, ticket_id)).json()
    second_buyer = Person("second")
    held = await place(client, second_buyer, ticket_id)
    assert held.status_code == 409
    assert held.json() == {
        "errors": [{"message": "Ticket is already reserved", "field": "ticketId"}]
    }
    assert (
        await place(client, buyer, ticket_id)
    ).status_code == 409  # not twice by one buyer either
    assert (await client.delete(f"{API}/{first['id']}", headers=buyer.headers)).status_code == 200
    assert (await place(client, second_buyer, ticket_id)).status_code == 201


async def test_a_sold_ticket_cannot_be_ordered(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    ticket_id = await listed(orders, nats_url, seller)
    order = (await place(orders.client, buyer, ticket_id)).json()
    await send(
        nats_url,
        "payment.authorized",
        {"id": "pay-1", "orderId": order["id"], "stripeId": "pi_1", "amount": order["total"]},
    )
    await eventually(
        lambda: orders.client.get(f"{API}/{order['id']}", headers=buyer.headers),
        lambda r: r.json()["status"] == "complete",
    )
    sold = await place(orders.client, Person("late"), ticket_id)
    assert sold.status_code == 409
    assert sold.json()["errors"][0]["message"] == "Ticket has already been sold"


async def test_list_shows_the_callers_orders_newest_first(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    client = orders.client
    assert (await client.get(API)).status_code == 401
    first = (await place(client, buyer, await listed(orders, nats_url, seller, "First"))).json()
    second = (await place(client, buyer, await listed(orders, nats_url, seller, "Second"))).json()
    await place(client, Person("other"), await listed(orders, nats_url, seller, "Theirs"))
    await client.delete(f"{API}/{first['id']}", headers=buyer.headers)
    response = await client.get(API, headers=buyer.headers)
    assert response.status_code == 200
    assert [(o["id"], o["status"]) for o in response.json()] == [
        (second["id"], "created"),
        (first["id"], "cancelled"),
    ]
    assert (await client.get(API, headers=Person("nobody").headers)).json() == []


async def test_show_order(orders: Orders, nats_url: str, seller: Person, buyer: Person) -> None:
    client = orders.client
    order = (await place(client, buyer, await listed(orders, nats_url, seller))).json()
    url = f"{API}/{order['id']}"
    assert (await client.get(url, headers=buyer.headers)).json() == order
    assert (await client.get(url)).status_code == 401
    forbidden = await client.get(url, headers=Person("snoop").headers)
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"][0]["field"] is None
    for unknown in (new_id(), "nope", "%00", "x" * 300):
        missing = await client.get(f"{API}/{unknown}", headers=buyer.headers)
        assert missing.status_code == 404, unknown
        assert missing.json() == {"errors": [{"message": "Order not found", "field": None}]}


async def test_cancel_order(orders: Orders, nats_url: str, seller: Person, buyer: Person) -> None:
    client = orders.client
    ticket_id = await listed(orders, nats_url, seller)
    order = (await place(client, buyer, ticket_id)).json()
    url = f"{API}/{order['id']}"
    assert (await client.delete(url)).status_code == 401
    assert (await client.delete(url, headers=Person("snoop").headers)).status_code == 403
    assert (await client.delete(f"{API}/{new_id()}", headers=buyer.headers)).status_code == 404
    cancelled = await client.delete(url, headers=buyer.headers)
    assert cancelled.status_code == 200
    assert cancelled.json() == {**order, "status": "cancelled", "version": 1}
    again = await client.delete(url, headers=buyer.headers)
    assert again.status_code == 200 and again.json() == cancelled.json()
    events = await eventually(lambda: stream_messages(nats_url, "order.cancelled"))
    assert [p for _, p, _ in events] == [
        {
            "id": order["id"],
            "version": 1,
            "ticket": {"id": ticket_id},
            "tickets": [{"id": ticket_id}],
        }
    ]
    await eventually(
        lambda: subjects(nats_url), lambda s: s == ["order.created", "order.cancelled"]
    )


async def test_a_paid_order_cannot_be_cancelled(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    order = (await place(orders.client, buyer, await listed(orders, nats_url, seller))).json()
    url = f"{API}/{order['id']}"
    await send(
        nats_url,
        "payment.authorized",
        {"id": "pay-1", "orderId": order["id"], "stripeId": "pi_1", "amount": order["total"]},
    )
    await eventually(
        lambda: orders.client.get(url, headers=buyer.headers),
        lambda r: r.json()["status"] == "complete",
    )
    refused = await orders.client.delete(url, headers=buyer.headers)
    assert refused.status_code == 409
    assert refused.json() == {
        "errors": [{"message": "Order is complete and cannot be cancelled", "field": None}]
    }
    assert (await orders.client.get(url, headers=buyer.headers)).json()["status"] == "complete"


async def test_unknown_routes_health_and_docs(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/a/b")).status_code == 404
    assert (await client.put(f"{API}/abc", json={})).status_code == 405
    assert (await client.get(f"{API}/healthz")).json() == {"status": "ok"}
    ready = (await client.get(f"{API}/readyz")).json()
    assert ready["status"] == "ready" and ready["checks"]["database"] == "ok"
    assert (await client.get(f"{API}/docs")).status_code == 200
    assert "/api/orders/{order_id}" in (await client.get(f"{API}/openapi.json")).json()["paths"]


@pytest.mark.parametrize("buyers", [50])
async def test_concurrent_buyers_one_wins(
    orders: Orders, nats_url: str, seller: Person, buyers: int
) -> None:
    ticket_id = await listed(orders, nats_url, seller)
    people = [Person(f"buyer{i}") for i in range(buyers)]
    responses = await asyncio.gather(*(place(orders.client, p, ticket_id) for p in people))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (buyers - 1), codes
    assert {r.json()["errors"][0]["message"] for r in responses if r.status_code == 409} == {
        "Ticket is already reserved"
    }
    created = await eventually(lambda: stream_messages(nats_url, "order.created"))
    assert len(created) == 1
