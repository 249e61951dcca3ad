"""Orders under test: the app, its client, raw ticket events and a look at its database."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import Session

from backend_services.orders.main import create
from backend_services.orders.models import OrderTicket
from backend_services.orders.settings import OrdersSettings
from harness.apps import make_settings, runtime_of, serve
from tests.support import bus
from tests.support.waiting import eventually

API = "/api/orders"


def orders_settings(database_url: str, nats_url: str, **kw: Any) -> OrdersSettings:
    return make_settings(OrdersSettings, database_url=database_url, nats_url=nats_url, **kw)


@dataclass
class Orders:
    app: FastAPI
    client: httpx.AsyncClient

    def _replica(self, ticket_id: str) -> OrderTicket | None:
        with Session(runtime_of(self.app).engine) as session:
            return session.get(OrderTicket, ticket_id)

    async def replica(self, ticket_id: str) -> OrderTicket | None:
        return await asyncio.to_thread(self._replica, ticket_id)

    async def replica_at(self, ticket_id: str, version: int) -> OrderTicket:
        async def probe() -> OrderTicket | None:
            return await self.replica(ticket_id)

        found = await eventually(probe, lambda t: t is not None and t.version == version)
        assert found is not None
        return found


@contextlib.asynccontextmanager
async def running(settings: OrdersSettings, migrated: bool = True) -> AsyncIterator[Orders]:
    app = create(settings)
    async with serve(app, migrated=migrated) as client:
        yield Orders(app, client)


def ticket_created(
    ticket_id: str, seller_id: str, title: str = "Gig", price: int = 2000
) -> dict[str, Any]:
    return {"id": ticket_id, "version": 0, "title": title, "price": price, "userId": seller_id}


def ticket_updated(
    ticket_id: str,
    seller_id: str,
    version: int,
    title: str = "Gig",
    price: int = 2000,
    status: str = "available",
    order_id: str | None = None,
) -> dict[str, Any]:
    return {
        **ticket_created(ticket_id, seller_id, title, price),
        "version": version,
        "orderId": order_id,
        "status": status,
    }


async def send(
    nats_url: str, subject: str, payload: dict[str, Any], msg_id: str | None = None
) -> str:
    msg_id = msg_id or uuid.uuid4().hex
    await bus.publish(nats_url, subject, payload, msg_id)
    return msg_id


def new_id() -> str:
    return uuid.uuid4().hex
