"""Order events naming several tickets (CONTRACT §7) reserve, release and sell every one
of them together, once, whatever the redelivery."""

import httpx

from harness.people import Person
from tests.support.waiting import eventually
from tests.tickets.events import send

API = "/api/tickets"


async def listed(client: httpx.AsyncClient, seller: Person, count: int) -> list[str]:
    ids = []
    for n in range(count):
        made = await client.post(
            API, json={"title": f"Seat {n}", "price": 2000}, headers=seller.headers
        )
        assert made.status_code == 201
        ids.append(str(made.json()["id"]))
    return ids


def created(order_id: str, ids: list[str]) -> dict[str, object]:
    """`order.created` as orders now publishes it: `ticket` is the first of `tickets`."""
    return {
        "id": order_id,
        "version": 0,
        "status": "created",
        "userId": "buyer",
        "expiresAt": "2099-01-01T00:00:00Z",
        "ticket": {"id": ids[0], "price": 2000},
        "tickets": [{"id": t, "price": 2000} for t in ids],
        "total": 2200 * len(ids),
    }


def ended(order_id: str, ids: list[str]) -> dict[str, object]:
    refs = [{"id": t} for t in ids]
    return {"id": order_id, "version": 1, "ticket": refs[0], "tickets": refs}


async def states(client: httpx.AsyncClient, ids: list[str]) -> list[tuple[str, str | None]]:
    found = [(await client.get(f"{API}/{t}")).json() for t in ids]
    return [(t["status"], t["orderId"]) for t in found]


async def settle(
    client: httpx.AsyncClient, ids: list[str], expected: tuple[str, str | None]
) -> None:
    await eventually(lambda: states(client, ids), lambda s: s == [expected] * len(ids))


async def test_every_ticket_of_an_order_is_reserved_then_released(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ids = await listed(client, seller, 3)
    event = created("order-many", ids)
    await send(nats_url, "order.created", event)
    await send(nats_url, "order.created", event)  # redelivered under another message id
    await settle(client, ids, ("reserved", "order-many"))
    assert (await client.get(API)).json() == []  # none of them on sale any more
    await send(nats_url, "order.cancelled", ended("order-many", ids))
    await send(nats_url, "order.cancelled", ended("order-many", ids))
    await settle(client, ids, ("available", None))
    versions = [(await client.get(f"{API}/{t}")).json()["version"] for t in ids]
    assert versions == [2, 2, 2]  # each reserved once and released once
    assert sorted(t["id"] for t in (await client.get(API)).json()) == sorted(ids)


async def test_every_ticket_of_a_paid_order_is_sold(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ids = await listed(client, seller, 2)
    await send(nats_url, "order.created", created("order-paid", ids))
    await send(nats_url, "order.completed", ended("order-paid", ids) | {"paymentId": "p1"})
    await settle(client, ids, ("sold", "order-paid"))
