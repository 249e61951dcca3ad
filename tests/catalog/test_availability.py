"""`available` and `minPrice` follow ticket events: in order, once, whatever the delivery."""

import asyncio
from typing import Any

import httpx

from harness.people import Person
from tests.catalog.support import (
    API,
    catalog_settings,
    new_id,
    running,
    send,
    show,
    ticket_created,
    ticket_updated,
)
from tests.support.waiting import eventually


async def new_event(client: httpx.AsyncClient, name: str = "Gig") -> str:
    response = await client.post(API, json=show(name=name), headers=Person("o").headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def availability(client: httpx.AsyncClient, event_id: str) -> tuple[int, int | None]:
    event = (await client.get(f"{API}/{event_id}")).json()
    return event["available"], event["minPrice"]


async def becomes(
    client: httpx.AsyncClient, event_id: str, expected: tuple[int, int | None]
) -> None:
    async def probe() -> tuple[int, int | None]:
        return await availability(client, event_id)

    await eventually(probe, lambda got: got == expected)


async def created(nats_url: str, ticket_id: str, event_id: str | None, price: int) -> None:
    await send(nats_url, "ticket.created", ticket_created(ticket_id, event_id, price))


async def updated(
    nats_url: str, ticket_id: str, event_id: str | None, version: int, **kw: Any
) -> None:
    await send(nats_url, "ticket.updated", ticket_updated(ticket_id, event_id, version, **kw))


async def test_tickets_on_sale_and_the_lowest_all_in_price(
    client: httpx.AsyncClient, nats_url: str
) -> None:
    event_id = await new_event(client)
    first, second = new_id(), new_id()
    await created(nats_url, first, event_id, 5500)
    await becomes(client, event_id, (1, 5500))
    await created(nats_url, second, event_id, 3300)
    await becomes(client, event_id, (2, 3300))
    await updated(nats_url, second, event_id, 1, status="reserved", all_in_price=3300)
    await becomes(client, event_id, (1, 5500))
    await updated(nats_url, second, event_id, 2, status="available", all_in_price=3300)
    await becomes(client, event_id, (2, 3300))
    await updated(nats_url, first, event_id, 1, status="reserved", all_in_price=5500)
    await updated(nats_url, first, event_id, 2, status="sold", all_in_price=5500)
    await updated(nats_url, second, event_id, 3, status="available", all_in_price=2750)  # repriced
    await becomes(client, event_id, (1, 2750))
    await updated(nats_url, second, event_id, 4, status="reserved", all_in_price=2750)
    await becomes(client, event_id, (0, None))


async def test_redelivered_and_repeated_events_count_once(
    client: httpx.AsyncClient, nats_url: str
) -> None:
    event_id = await new_event(client)
    ticket = new_id()
    payload = ticket_created(ticket, event_id, 4000)
    msg_id = await send(nats_url, "ticket.created", payload)
    await send(nats_url, "ticket.created", payload, msg_id=msg_id)  # same message again
    await send(nats_url, "ticket.created", payload)  # the same creation, a new message id
    other = new_id()
    await created(nats_url, other, event_id, 4500)  # a marker after the repeats
    await becomes(client, event_id, (2, 4000))
    reserved = ticket_updated(ticket, event_id, 1, status="reserved", all_in_price=4000)
    await send(nats_url, "ticket.updated", reserved)
    await send(nats_url, "ticket.updated", reserved)
    await becomes(client, event_id, (1, 4500))
    # An old version arriving late changes nothing.
    await updated(nats_url, ticket, event_id, 1, status="available", all_in_price=100)
    await updated(nats_url, other, event_id, 1, status="available", all_in_price=4600)
    await becomes(client, event_id, (1, 4600))


async def test_out_of_order_events_converge_on_the_latest_version(
    client: httpx.AsyncClient, nats_url: str
) -> None:
    event_id = await new_event(client)
    ticket = new_id()
    await updated(nats_url, ticket, event_id, 3, status="available", all_in_price=6000)
    await updated(nats_url, ticket, event_id, 2, status="sold", all_in_price=5000)
    await updated(nats_url, ticket, event_id, 1, status="reserved", all_in_price=5000)
    await created(nats_url, ticket, event_id, 5000)
    await becomes(client, event_id, (1, 6000))


async def test_tickets_without_an_event_or_of_unknown_events_change_nothing(
    client: httpx.AsyncClient, nats_url: str
) -> None:
    event_id = await new_event(client)
    loose, stray = new_id(), new_id()
    await created(nats_url, loose, None, 1000)  # a ticket of no event (before Marketplace v2)
    await send(nats_url, "ticket.created", {**ticket_created(stray, "no-such-event", 900)})
    await updated(nats_url, loose, None, 1, status="reserved")
    old_style = {"id": new_id(), "version": 0, "title": "t", "price": 900, "userId": "u"}
    await send(nats_url, "ticket.created", old_style)  # no eventId, no allInPrice at all
    marker = new_id()
    await created(nats_url, marker, event_id, 2000)
    await becomes(client, event_id, (1, 2000))


async def test_a_ticket_moved_to_another_event_leaves_the_first(
    client: httpx.AsyncClient, nats_url: str
) -> None:
    first, second = await new_event(client, "First"), await new_event(client, "Second")
    ticket = new_id()
    await created(nats_url, ticket, first, 3000)
    await becomes(client, first, (1, 3000))
    await updated(nats_url, ticket, second, 1, all_in_price=3000)
    await becomes(client, second, (1, 3000))
    assert await availability(client, first) == (0, None)


async def test_a_ticket_without_an_all_in_price_is_on_sale_but_has_no_price(
    client: httpx.AsyncClient, nats_url: str
) -> None:
    event_id = await new_event(client)
    await send(nats_url, "ticket.created", ticket_created(new_id(), event_id, None))
    await becomes(client, event_id, (1, None))
    await created(nats_url, new_id(), event_id, 7000)
    await becomes(client, event_id, (2, 7000))


async def test_two_replicas_applying_many_tickets_of_one_event_lose_no_count(
    database_url: str, nats_url: str
) -> None:
    settings = catalog_settings(database_url, nats_url)
    async with running(settings) as one, running(settings) as two:
        event_id = await new_event(one.client)
        tickets = [new_id() for _ in range(40)]
        await asyncio.gather(
            *(created(nats_url, t, event_id, 1000 + i) for i, t in enumerate(tickets))
        )
        await becomes(one.client, event_id, (40, 1000))
        await asyncio.gather(
            *(
                updated(nats_url, t, event_id, 1, status="reserved", all_in_price=1000 + i)
                for i, t in enumerate(tickets[:25])
            )
        )
        await becomes(two.client, event_id, (15, 1025))


async def test_catches_up_on_ticket_events_published_while_down(
    database_url: str, nats_url: str
) -> None:
    settings = catalog_settings(database_url, nats_url)
    async with running(settings) as catalog:
        event_id = await new_event(catalog.client)
    ticket = new_id()
    await created(nats_url, ticket, event_id, 8000)
    await updated(nats_url, ticket, event_id, 1, status="available", all_in_price=7500)
    async with running(settings) as catalog:
        await becomes(catalog.client, event_id, (1, 7500))
