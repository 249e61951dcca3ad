"""Orders and payments together on one NATS (each its own database, SQLite and
PostgreSQL): orders decides on every authorization, so a payment racing a cancellation
or an expiry never moves money — no capture, and no refund ever needed."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stripe import StripeClient

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
from tests.payments.conftest import Payments, Person, payments_settings, running_payments
from tests.payments.support import intents_for, known_order, refund_count, statuses
from tests.support.bus import stream_messages
from tests.support.waiting import eventually

RUNS = 50
BATCH = 10
SETTLED = ("voided", "failed", "captured")


@dataclass
class Shop:
    orders: Orders
    payments: Payments

    async def open_order(self, buyer: Person) -> dict[str, Any]:
        ticket_id = new_id()
        await send(self.payments.nats_url, "ticket.created", ticket_created(ticket_id, "seller"))
        await self.orders.replica_at(ticket_id, 0)
        placed = await self.orders.client.post(
            ORDERS, json={"ticketId": ticket_id}, headers=buyer.headers
        )
        assert placed.status_code == 201, placed.text
        order: dict[str, Any] = placed.json()
        await known_order(self.payments, order["id"])
        return order

    async def order_status(self, buyer: Person, order_id: str) -> str:
        found = await self.orders.client.get(f"{ORDERS}/{order_id}", headers=buyer.headers)
        return str(found.json()["status"])


@contextlib.asynccontextmanager
async def open_shop(
    database_url: str, nats_url: str, localstripe: str, **orders_kw: Any
) -> AsyncIterator[Shop]:
    payments_db = sibling_database(database_url, "payments")
    # One buyer races 50 orders here; fair use (4 holds) is attacked in tests/orders.
    fair_use_off = {"max_active_holds": 1000, "rehold_cooldown_seconds": 0}
    orders = orders_settings(
        database_url, nats_url, sweep_interval_seconds=0.2, **{**fair_use_off, **orders_kw}
    )
    async with (
        running(orders) as orders_app,
        running_payments(payments_settings(payments_db, nats_url, localstripe)) as payments,
    ):
        yield Shop(orders_app, payments)


async def in_batches(runs: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    results: list[Any] = []
    for start in range(0, len(runs), BATCH):
        results += await asyncio.gather(*(run() for run in runs[start : start + BATCH]))
    return results


async def money_moved(
    shop: Shop, stripe: StripeClient, order_ids: list[str]
) -> dict[str, list[str]]:
    """Each order's PaymentIntent statuses, once payments has settled every attempt."""
    for order_id in order_ids:
        await eventually(
            functools.partial(statuses, shop.payments, order_id),
            lambda found: all(s in SETTLED for s in found),
            timeout=30,
        )
    listed = await asyncio.to_thread(lambda: {o: intents_for(stripe, o) for o in order_ids})
    return {o: sorted(pi.status for pi in found) for o, found in listed.items()}


async def captured_events(nats_url: str, order_ids: list[str]) -> list[dict[str, Any]]:
    wanted = set(order_ids)
    found = await stream_messages(nats_url, "payment.captured")
    return [p for _, p, _ in found if p["orderId"] in wanted]


async def test_cancel_then_pay_never_captures(
    database_url: str, nats_url: str, localstripe: str, stripe_client: StripeClient
) -> None:
    refunds_before = await asyncio.to_thread(refund_count, stripe_client)
    async with open_shop(database_url, nats_url, localstripe) as shop:
        buyer = Person("buyer")

        async def cancel_then_pay() -> tuple[str, int]:
            order = await shop.open_order(buyer)
            cancelled = await shop.orders.client.delete(
                f"{ORDERS}/{order['id']}", headers=buyer.headers
            )
            assert cancelled.status_code == 200
            paid = await shop.payments.pay(buyer, order["id"])  # at once
            assert paid.status_code in (201, 409), paid.text
            if paid.status_code == 201:  # payments had not heard yet: orders rejects it
                assert paid.json()["status"] == "authorized"
            return order["id"], paid.status_code

        results = await in_batches([cancel_then_pay] * RUNS)
        order_ids = [order_id for order_id, _ in results]
        moved = await money_moved(shop, stripe_client, order_ids)
        for order_id in order_ids:
            assert await shop.order_status(buyer, order_id) == "cancelled"
    assert [o for o, found in moved.items() if "succeeded" in found] == []
    assert all(set(found) <= {"canceled"} for found in moved.values()), moved
    assert await asyncio.to_thread(refund_count, stripe_client) == refunds_before
    assert await captured_events(shop.payments.nats_url, order_ids) == []


async def test_expire_then_pay_never_captures_and_racing_the_expiry_never_splits(
    database_url: str, nats_url: str, localstripe: str, stripe_client: StripeClient
) -> None:
    """Half the buyers pay just after `expiresAt` (never a capture), half just before it
    (complete and captured, or cancelled and voided, never cancelled and charged)."""
    refunds_before = await asyncio.to_thread(refund_count, stripe_client)
    async with open_shop(
        database_url, nats_url, localstripe, expiration_window_seconds=6, sweep_grace_seconds=0
    ) as shop:
        buyer = Person("buyer")
        late: list[str] = []

        async def pay_around_expiry(after: bool) -> tuple[str, int]:
            order = await shop.open_order(buyer)
            expires_at = datetime.fromisoformat(order["expiresAt"].replace("Z", "+00:00"))
            offset = random.uniform(0.001, 0.2) * (1 if after else -1)
            wait = (expires_at - datetime.now(UTC)).total_seconds() + offset
            await asyncio.sleep(max(wait, 0))  # the race itself: aimed at the expiry
            paid = await shop.payments.pay(buyer, order["id"])
            assert paid.status_code in (201, 409), paid.text
            if after:
                late.append(order["id"])
            return order["id"], paid.status_code

        runs = [lambda after=i % 2 == 0: pay_around_expiry(after) for i in range(RUNS)]
        results = await asyncio.gather(*(run() for run in runs))
        order_ids = [order_id for order_id, _ in results]
        for order_id in order_ids:
            await eventually(
                functools.partial(shop.order_status, buyer, order_id),
                lambda s: s != "created",
                timeout=30,
            )
        moved = await money_moved(shop, stripe_client, order_ids)
        final = {o: await shop.order_status(buyer, o) for o in order_ids}
    assert [o for o in late if "succeeded" in moved[o]] == []
    for order_id, found in moved.items():
        if final[order_id] == "complete":
            assert found.count("succeeded") == 1, (order_id, found)
        else:
            assert "succeeded" not in found and "requires_capture" not in found, (order_id, found)
    assert await asyncio.to_thread(refund_count, stripe_client) == refunds_before
