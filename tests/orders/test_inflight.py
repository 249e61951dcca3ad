"""Racers in one process wait for the hold being written for their ticket: one write
transaction per ticket, however many attempts arrive at once."""

import asyncio
from typing import Any

from sqlalchemy import event

from backend_services.orders.inflight import HoldsInFlight
from harness.apps import runtime_of
from harness.people import Person
from tests.orders.support import API, Orders, new_id, send, ticket_created


async def test_overlapping_turns_take_turns_and_disjoint_ones_do_not_wait() -> None:
    holds = HoldsInFlight()
    log: list[str] = []

    async def hold(name: str, tickets: list[str], release: asyncio.Event) -> None:
        async with holds.turn(tickets):
            log.append(f"{name} in")
            await release.wait()
        log.append(f"{name} out")

    first, second, other = asyncio.Event(), asyncio.Event(), asyncio.Event()
    tasks = [
        asyncio.create_task(hold("a", ["t1", "t2"], first)),
        asyncio.create_task(hold("b", ["t2", "t3"], second)),  # shares t2 with a
        asyncio.create_task(hold("c", ["t4"], other)),
    ]
    await asyncio.sleep(0)  # every task has run up to its first wait
    assert log == ["a in", "c in"]
    second.set()
    other.set()
    first.set()
    await asyncio.gather(*tasks)
    assert log.index("b in") > log.index("a out")


async def test_a_rush_for_one_ticket_writes_once(
    orders: Orders, nats_url: str, seller: Person
) -> None:
    ticket_id = new_id()
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id))
    await orders.replica_at(ticket_id, 0)
    inserts: list[str] = []  # of an order: every attempt that reached the write makes one
    engine = runtime_of(orders.app).engine

    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO orders "):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        buyers = [Person(f"racer{n}") for n in range(20)]
        answers = await asyncio.gather(
            *(
                orders.client.post(API, json={"ticketId": ticket_id}, headers=b.headers)
                for b in buyers
            )
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sorted(a.status_code for a in answers) == [201] + [409] * 19
    assert len(inserts) == 1
