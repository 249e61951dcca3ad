"""Tickets and orders together on one NATS, each with its own database."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from backend_services.tickets.main import create as create_tickets
from harness.apps import serve
from harness.people import Person
from harness.servers import sibling_database
from tests.orders.support import (
    API as ORDERS,
)
from tests.orders.support import (
    Orders,
    new_id,
    orders_settings,
    running,
    send,
    ticket_created,
)
from tests.support.bus import stream_messages
from tests.support.waiting import eventually
from tests.tickets.conftest import tickets_settings

TICKETS = "/api/tickets"


@dataclass
class Marketplace:
    tickets: httpx.AsyncClient
    orders: Orders

    async def ticket(self, ticket_id: str) -> dict:
        return dict((await self.tickets.get(f"{TICKETS}/{ticket_id}")).json())

    async def settles(self, ticket_id: str, status: str, order_id: str | None) -> dict:
        return await eventually(
            lambda: self.ticket(ticket_id),
            lambda t: (t["status"], t["orderId"]) == (status, order_id),
        )

    async def order_when_orderable(self, buyer: Person, ticket_id: str) -> httpx.Response:
        """POST the order as soon as orders has heard of the ticket."""
        return await eventually(
            lambda: self.orders.client.post(
                ORDERS, json={"ticketId": ticket_id}, headers=buyer.headers
            ),
            lambda r: r.status_code != 404,
        )


@pytest.fixture
async def market(database_url: str, nats_url: str) -> AsyncIterator[Marketplace]:
    orders_db = sibling_database(database_url, "orders")
    async with (
        serve(create_tickets(tickets_settings(database_url, nats_url))) as tickets,
        running(orders_settings(orders_db, nats_url)) as orders,
    ):
        yield Marketplace(tickets, orders)


async def test_list_reserve_cancel_and_resell(market: Marketplace, nats_url: str) -> None:
    seller, first, second = Person("seller"), Person("first"), Person("second")
    listed = await market.tickets.post(
        TICKETS, json={"title": "Final", "price": 15_000}, headers=seller.headers
    )
    ticket_id = listed.json()["id"]

    placed = await market.order_when_orderable(first, ticket_id)
    assert placed.status_code == 201
    order = placed.json()
    assert order["ticket"] == {"id": ticket_id, "title": "Final", "price": 15_000}
    reserved = await market.settles(ticket_id, "reserved", order["id"])
    assert reserved["version"] == 1
    assert (await market.tickets.get(TICKETS)).json() == []
    edit = await market.tickets.put(
        f"{TICKETS}/{ticket_id}", json={"title": "x", "price": 100}, headers=seller.headers
    )
    assert edit.status_code == 409

    cancelled = await market.orders.client.delete(f"{ORDERS}/{order['id']}", headers=first.headers)
    assert cancelled.json()["status"] == "cancelled"
    await market.settles(ticket_id, "available", None)
    assert [t["id"] for t in (await market.tickets.get(TICKETS)).json()] == [ticket_id]

    again = await market.orders.client.post(
        ORDERS, json={"ticketId": ticket_id}, headers=second.headers
    )
    assert again.status_code == 201
    resold = await market.settles(ticket_id, "reserved", again.json()["id"])
    assert resold["version"] == 3
    # The first buyer's hold timer fires late: the order is already cancelled, so
    # nothing is published and the second buyer keeps the ticket.
    await send(nats_url, "expiration.complete", {"orderId": order["id"]})
    await market.orders.client.delete(f"{ORDERS}/{order['id']}", headers=first.headers)
    marker = new_id()  # orders handles events in stream order: once this is in, so is the timer
    await send(nats_url, "ticket.created", ticket_created(marker, "someone"))
    await market.orders.replica_at(marker, 0)
    # The orders replica follows every version of the ticket.
    await market.orders.replica_at(ticket_id, 3)
    await market.settles(ticket_id, "reserved", again.json()["id"])
    cancellations = await stream_messages(nats_url, "order.cancelled")
    assert [p["id"] for _, p, _ in cancellations] == [order["id"]]


async def test_a_seller_edit_reaches_new_orders(market: Marketplace) -> None:
    seller, buyer = Person("seller"), Person("buyer")
    listed = (
        await market.tickets.post(
            TICKETS, json={"title": "Derby", "price": 4000}, headers=seller.headers
        )
    ).json()
    await market.orders.replica_at(listed["id"], 0)
    await market.tickets.put(
        f"{TICKETS}/{listed['id']}",
        json={"title": "Derby (moved)", "price": 4500},
        headers=seller.headers,
    )
    await market.orders.replica_at(listed["id"], 1)
    order = await market.orders.client.post(
        ORDERS, json={"ticketId": listed["id"]}, headers=buyer.headers
    )
    assert order.json()["ticket"] == {"id": listed["id"], "title": "Derby (moved)", "price": 4500}


async def test_paid_order_sells_the_ticket(market: Marketplace, nats_url: str) -> None:
    seller, buyer = Person("seller"), Person("buyer")
    ticket_id = (
        await market.tickets.post(
            TICKETS, json={"title": "Cup", "price": 5000}, headers=seller.headers
        )
    ).json()["id"]
    order = (await market.order_when_orderable(buyer, ticket_id)).json()
    await market.settles(ticket_id, "reserved", order["id"])
    await send(
        nats_url,
        "payment.authorized",
        {"id": "p1", "orderId": order["id"], "stripeId": "pi", "amount": order["total"]},
    )
    await market.settles(ticket_id, "sold", order["id"])
    late = await market.orders.client.post(
        ORDERS, json={"ticketId": ticket_id}, headers=Person("late").headers
    )
    assert late.status_code == 409
    refused = await market.orders.client.delete(f"{ORDERS}/{order['id']}", headers=buyer.headers)
    assert refused.status_code == 409


async def test_many_buyers_race_for_one_listing(market: Marketplace) -> None:
    seller = Person("seller")
    ticket_id = (
        await market.tickets.post(
            TICKETS, json={"title": "Encore", "price": 9000}, headers=seller.headers
        )
    ).json()["id"]
    await market.orders.replica_at(ticket_id, 0)
    buyers = [Person(f"b{i}") for i in range(20)]
    responses = await asyncio.gather(
        *(
            market.orders.client.post(ORDERS, json={"ticketId": ticket_id}, headers=b.headers)
            for b in buyers
        )
    )
    winners = [r.json() for r in responses if r.status_code == 201]
    assert len(winners) == 1 and sorted({r.status_code for r in responses}) == [201, 409]
    await market.settles(ticket_id, "reserved", winners[0]["id"])
