"""Orders reacts to payments and expired holds; a fallback sweeper catches lost timers."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx

from backend_services.common.clock import utcnow
from backend_services.orders.sweeper import cancel_overdue
from harness.apps import runtime_of
from harness.people import Person
from tests.orders.support import API, Orders, new_id, orders_settings, running, send, ticket_created
from tests.support.bus import stream_messages
from tests.support.waiting import eventually


async def open_order(orders: Orders, nats_url: str, buyer: Person) -> dict[str, Any]:
    ticket_id = new_id()
    await send(nats_url, "ticket.created", ticket_created(ticket_id, "the-seller"))
    await orders.replica_at(ticket_id, 0)
    response = await orders.client.post(API, json={"ticketId": ticket_id}, headers=buyer.headers)
    assert response.status_code == 201
    return dict(response.json())


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def payment(order: dict[str, Any]) -> dict[str, Any]:
    """An authorization of the order's total (its ticket's price plus the buyer fee)."""
    return {"id": new_id(), "orderId": order["id"], "stripeId": "pi_123", "amount": order["total"]}


async def status_of(client: httpx.AsyncClient, buyer: Person, order_id: str) -> tuple[str, int]:
    order = (await client.get(f"{API}/{order_id}", headers=buyer.headers)).json()
    return order["status"], order["version"]


async def settles_at(
    orders: Orders, buyer: Person, order_id: str, expected: tuple[str, int]
) -> None:
    await eventually(lambda: status_of(orders.client, buyer, order_id), lambda s: s == expected)


async def events_for(nats_url: str, subject: str, order_id: str) -> list[dict[str, Any]]:
    return [p for _, p, _ in await stream_messages(nats_url, subject) if p["id"] == order_id]


async def barrier(orders: Orders, nats_url: str) -> None:
    """Events are handled in stream order: once a later one is applied, earlier ones are too."""
    ticket_id = new_id()
    await send(nats_url, "ticket.created", ticket_created(ticket_id, "barrier"))
    await orders.replica_at(ticket_id, 0)


async def rejections(nats_url: str, order_id: str) -> list[dict[str, Any]]:
    return await events_for(nats_url, "order.payment_rejected", order_id)


async def test_an_authorization_completes_the_order_once(
    orders: Orders, nats_url: str, buyer: Person
) -> None:
    order = await open_order(orders, nats_url, buyer)
    paid = payment(order)
    await send(nats_url, "payment.authorized", paid)
    await send(nats_url, "payment.authorized", paid)  # redelivered under another message id
    await settles_at(orders, buyer, order["id"], ("complete", 1))
    await barrier(orders, nats_url)
    completed = await events_for(nats_url, "order.completed", order["id"])
    assert completed == [
        {
            "id": order["id"],
            "version": 1,
            "ticket": {"id": order["ticket"]["id"]},
            "tickets": [{"id": order["ticket"]["id"]}],
            "userId": buyer.id,
            "paymentId": paid["id"],
        }
    ]
    assert await rejections(nats_url, order["id"]) == []
    # A second authorization for the completed order is rejected: payments voids it.
    other = payment(order)
    await send(nats_url, "payment.authorized", other)
    rejected = await eventually(lambda: rejections(nats_url, order["id"]))
    assert rejected == [{"id": order["id"], "paymentId": other["id"], "reason": "already_complete"}]


async def test_an_authorization_for_a_cancelled_order_is_rejected(
    orders: Orders, nats_url: str, buyer: Person
) -> None:
    order = await open_order(orders, nats_url, buyer)
    await orders.client.delete(f"{API}/{order['id']}", headers=buyer.headers)
    paid = payment(order)
    await send(nats_url, "payment.authorized", paid)
    rejected = await eventually(lambda: rejections(nats_url, order["id"]))
    assert rejected == [{"id": order["id"], "paymentId": paid["id"], "reason": "cancelled"}]
    assert await status_of(orders.client, buyer, order["id"]) == ("cancelled", 1)
    assert await events_for(nats_url, "order.completed", order["id"]) == []


async def test_an_authorization_of_the_wrong_amount_is_rejected(
    orders: Orders, nats_url: str, buyer: Person
) -> None:
    order = await open_order(orders, nats_url, buyer)
    paid = {**payment(order), "amount": order["total"] - 1}
    await send(nats_url, "payment.authorized", paid)
    rejected = await eventually(lambda: rejections(nats_url, order["id"]))
    assert [r["reason"] for r in rejected] == ["amount_mismatch"]
    assert await status_of(orders.client, buyer, order["id"]) == ("created", 0)


async def test_an_authorization_after_expiry_is_rejected(
    database_url: str, nats_url: str, buyer: Person
) -> None:
    settings = orders_settings(
        database_url, nats_url, expiration_window_seconds=1, sweep_grace_seconds=600
    )
    async with running(settings) as orders:
        order = await open_order(orders, nats_url, buyer)
        # The hold ran out, but no timer has cancelled the order yet.
        await eventually(lambda: asyncio.sleep(0.05, result=utcnow() > parse(order["expiresAt"])))
        paid = payment(order)
        await send(nats_url, "payment.authorized", paid)
        rejected = await eventually(lambda: rejections(nats_url, order["id"]))
        assert [r["reason"] for r in rejected] == ["expired"]
        assert await status_of(orders.client, buyer, order["id"]) == ("created", 0)


async def test_expiration_cancels_an_unpaid_order(
    orders: Orders, nats_url: str, buyer: Person
) -> None:
    order = await open_order(orders, nats_url, buyer)
    await send(nats_url, "expiration.complete", {"orderId": order["id"]})
    await send(nats_url, "expiration.complete", {"orderId": order["id"]})  # a duplicate timer
    await settles_at(orders, buyer, order["id"], ("cancelled", 1))
    await barrier(orders, nats_url)
    cancelled = await events_for(nats_url, "order.cancelled", order["id"])
    ref = {"id": order["ticket"]["id"]}
    assert cancelled == [{"id": order["id"], "version": 1, "ticket": ref, "tickets": [ref]}]


async def test_expiration_leaves_paid_and_cancelled_orders_alone(
    orders: Orders, nats_url: str, buyer: Person
) -> None:
    paid = await open_order(orders, nats_url, buyer)
    await send(nats_url, "payment.authorized", payment(paid))
    await settles_at(orders, buyer, paid["id"], ("complete", 1))
    gone = await open_order(orders, nats_url, buyer)
    await orders.client.delete(f"{API}/{gone['id']}", headers=buyer.headers)
    await send(nats_url, "expiration.complete", {"orderId": paid["id"]})
    await send(nats_url, "expiration.complete", {"orderId": gone["id"]})
    await barrier(orders, nats_url)
    assert await status_of(orders.client, buyer, paid["id"]) == ("complete", 1)
    assert await status_of(orders.client, buyer, gone["id"]) == ("cancelled", 1)
    assert await events_for(nats_url, "order.cancelled", paid["id"]) == []
    assert len(await events_for(nats_url, "order.cancelled", gone["id"])) == 1


async def test_sweeper_cancels_holds_whose_timer_was_lost(
    database_url: str, nats_url: str, buyer: Person
) -> None:
    settings = orders_settings(
        database_url,
        nats_url,
        expiration_window_seconds=1,
        sweep_interval_seconds=0.1,
        sweep_grace_seconds=0.5,
    )
    async with running(settings) as orders:
        order = await open_order(orders, nats_url, buyer)
        await settles_at(orders, buyer, order["id"], ("cancelled", 1))
        cancelled = await eventually(lambda: events_for(nats_url, "order.cancelled", order["id"]))
        assert cancelled[0]["version"] == 1


async def test_sweeper_leaves_holds_within_their_window(
    orders: Orders, nats_url: str, buyer: Person
) -> None:
    order = await open_order(orders, nats_url, buyer)
    engine = runtime_of(orders.app).engine
    assert (
        await asyncio.to_thread(
            cancel_overdue, engine, utcnow() + timedelta(seconds=905), grace_seconds=10
        )
        == 0
    )
    assert await status_of(orders.client, buyer, order["id"]) == ("created", 0)
    assert (
        await asyncio.to_thread(
            cancel_overdue, engine, utcnow() + timedelta(seconds=915), grace_seconds=10
        )
        == 1
    )
    assert await status_of(orders.client, buyer, order["id"]) == ("cancelled", 1)
