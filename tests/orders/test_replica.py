"""The ticket replica converges on the latest version whatever the delivery order."""

import asyncio
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.orders.domain import HOLDING, OrderStatus
from backend_services.orders.models import Order, OrderItem
from harness.apps import runtime_of
from harness.people import Person
from tests.orders.support import (
    API,
    Orders,
    new_id,
    orders_settings,
    running,
    send,
    ticket_created,
    ticket_updated,
)


async def snapshot(orders: Orders, ticket_id: str) -> tuple[int, str, int, str, str | None] | None:
    t = await orders.replica(ticket_id)
    return None if t is None else (t.version, t.title, t.price, t.status, t.order_id)


async def test_created_twice_is_stored_once(orders: Orders, nats_url: str, seller: Person) -> None:
    ticket_id = new_id()
    msg_id = await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id))
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id), msg_id=msg_id)
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id))  # new msg id
    await send(nats_url, "ticket.updated", ticket_updated(ticket_id, seller.id, 1, title="Moved"))
    replica = await orders.replica_at(ticket_id, 1)
    assert replica.title == "Moved"


async def test_updates_out_of_order_converge_on_the_latest(
    orders: Orders, nats_url: str, seller: Person
) -> None:
    ticket_id = new_id()
    await send(nats_url, "ticket.updated", ticket_updated(ticket_id, seller.id, 3, price=4000))
    await send(nats_url, "ticket.updated", ticket_updated(ticket_id, seller.id, 2, price=3000))
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id))
    await send(nats_url, "ticket.updated", ticket_updated(ticket_id, seller.id, 1, price=2500))
    await orders.replica_at(ticket_id, 3)
    assert await snapshot(orders, ticket_id) == (3, "Gig", 4000, "available", None)
    # Old and repeated versions are acknowledged and ignored.
    await send(nats_url, "ticket.updated", ticket_updated(ticket_id, seller.id, 2, price=1))
    await send(nats_url, "ticket.updated", ticket_updated(ticket_id, seller.id, 3, price=1))
    await send(
        nats_url,
        "ticket.updated",
        ticket_updated(ticket_id, seller.id, 4, status="reserved", order_id="o1"),
    )
    await orders.replica_at(ticket_id, 4)
    assert await snapshot(orders, ticket_id) == (4, "Gig", 2000, "reserved", "o1")


async def test_orders_take_the_replicas_current_price(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    ticket_id = new_id()
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id, "Ballet", 2000))
    await send(
        nats_url, "ticket.updated", ticket_updated(ticket_id, seller.id, 1, "Ballet (stalls)", 2750)
    )
    await orders.replica_at(ticket_id, 1)
    order = await orders.client.post(API, json={"ticketId": ticket_id}, headers=buyer.headers)
    assert order.json()["ticket"] == {"id": ticket_id, "title": "Ballet (stalls)", "price": 2750}


async def test_catches_up_on_events_published_while_down(
    database_url: str, nats_url: str, seller: Person, buyer: Person
) -> None:
    settings = orders_settings(database_url, nats_url)
    first, second = new_id(), new_id()
    async with running(settings) as orders:
        await send(nats_url, "ticket.created", ticket_created(first, seller.id))
        await orders.replica_at(first, 0)
    # Orders is down: the stream keeps what it misses.
    await send(nats_url, "ticket.updated", ticket_updated(first, seller.id, 1, price=9900))
    await send(nats_url, "ticket.created", ticket_created(second, seller.id))
    await send(nats_url, "ticket.updated", ticket_updated(second, seller.id, 2, title="Late"))
    await send(nats_url, "ticket.updated", ticket_updated(second, seller.id, 1, title="Early"))
    async with running(settings) as orders:
        await orders.replica_at(first, 1)
        await orders.replica_at(second, 2)
        assert await snapshot(orders, first) == (1, "Gig", 9900, "available", None)
        assert await snapshot(orders, second) == (2, "Late", 2000, "available", None)
        placed = await orders.client.post(API, json={"ticketId": second}, headers=buyer.headers)
        assert placed.status_code == 201


def insert_orders(engine: Engine, statuses: list[str]) -> list[str]:
    """Insert an order per status for one ticket; what the database said to each."""
    outcomes = []
    for status in statuses:
        order = Order(user_id=new_id(), status=status, expires_at=utcnow() + timedelta(minutes=15))
        item = OrderItem(
            order_id=order.id,
            ticket_id="t-1",
            position=0,
            title="Gig",
            price=2000,
            holding=OrderStatus(status) in HOLDING,
        )
        try:
            with transaction(engine) as session:
                session.add(order)
                session.flush()
                session.add(item)
            outcomes.append("stored")
        except IntegrityError:
            outcomes.append("refused")
    return outcomes


async def test_the_database_refuses_a_second_holding_order(orders: Orders) -> None:
    engine = runtime_of(orders.app).engine
    statuses = ["cancelled", "cancelled", "created", "created", "complete", "cancelled"]
    outcomes = await asyncio.to_thread(insert_orders, engine, statuses)
    assert outcomes == ["stored", "stored", "stored", "refused", "refused", "stored"]
