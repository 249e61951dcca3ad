"""Fair use: a buyer holds at most MAX_ACTIVE_HOLDS tickets, and cannot grab back at
once a ticket whose hold they let run out or gave up (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

import httpx

from harness.people import Person
from tests.orders.support import API, Orders, orders_settings, running
from tests.orders.test_orders_api import listed, place
from tests.support.waiting import eventually


async def test_a_fifth_hold_is_409_until_one_is_released(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    tickets = [await listed(orders, nats_url, seller) for _ in range(5)]
    held = [await place(orders.client, buyer, t) for t in tickets[:4]]
    assert [r.status_code for r in held] == [201] * 4
    fifth = await place(orders.client, buyer, tickets[4])
    assert fifth.status_code == 409
    message = fifth.json()["errors"][0]["message"]
    assert "already hold 4 orders" in message and "Pay for or cancel" in message
    # Someone else is not affected by this buyer's holds.
    assert (await place(orders.client, Person("other"), tickets[4])).status_code == 201
    released = await orders.client.delete(f"{API}/{held[0].json()['id']}", headers=buyer.headers)
    assert released.status_code == 200
    another = await listed(orders, nats_url, seller)
    assert (await place(orders.client, buyer, another)).status_code == 201


async def test_concurrent_orders_cannot_race_past_the_hold_limit(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    tickets = [await listed(orders, nats_url, seller) for _ in range(10)]
    responses = await asyncio.gather(*(place(orders.client, buyer, t) for t in tickets))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 4 + [409] * 6
    mine = await orders.client.get(API, headers=buyer.headers)
    assert sum(o["status"] == "created" for o in mine.json()) == 4


async def _expire(client: httpx.AsyncClient, buyer: Person, order_id: str) -> None:
    async def status() -> str:
        r = await client.get(f"{API}/{order_id}", headers=buyer.headers)
        return str(r.json()["status"])

    await eventually(status, lambda s: s == "cancelled", timeout=20)


async def test_a_lapsed_hold_cannot_be_taken_again_at_once(
    database_url: str, nats_url: str, seller: Person, buyer: Person
) -> None:
    settings = orders_settings(
        database_url,
        nats_url,
        expiration_window_seconds=1,
        sweep_interval_seconds=0.2,
        sweep_grace_seconds=0,  # the sweeper stands in for the expiration service here
    )
    async with running(settings) as orders:
        ticket = await listed(orders, nats_url, seller)
        first = await place(orders.client, buyer, ticket)
        await _expire(orders.client, buyer, first.json()["id"])
        again = await place(orders.client, buyer, ticket)
        assert again.status_code == 409
        assert "other buyers get a turn first" in again.json()["errors"][0]["message"]
        assert (await place(orders.client, Person("other"), ticket)).status_code == 201


async def test_giving_up_a_hold_does_not_dodge_the_cooldown(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    ticket = await listed(orders, nats_url, seller)
    order = (await place(orders.client, buyer, ticket)).json()
    await orders.client.delete(f"{API}/{order['id']}", headers=buyer.headers)
    assert (await place(orders.client, buyer, ticket)).status_code == 409


async def test_after_the_cooldown_the_buyer_may_hold_it_again(
    database_url: str, nats_url: str, seller: Person, buyer: Person
) -> None:
    settings = orders_settings(
        database_url,
        nats_url,
        expiration_window_seconds=1,
        sweep_interval_seconds=0.2,
        sweep_grace_seconds=0,
        rehold_cooldown_seconds=1,
    )
    async with running(settings) as orders:
        ticket = await listed(orders, nats_url, seller)
        first = await place(orders.client, buyer, ticket)
        await _expire(orders.client, buyer, first.json()["id"])

        async def again() -> int:
            return (await place(orders.client, buyer, ticket)).status_code

        assert await eventually(again, lambda code: code == 201, timeout=10) == 201
