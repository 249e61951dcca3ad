"""Raw order and catalog events, as the orders and catalog services would publish them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlmodel import Session

from backend_services.tickets.models import Show
from harness.apps import runtime_of
from tests.support import bus
from tests.support.waiting import eventually


def order_created(
    order_id: str, ticket_id: str, price: int = 2000, user_id: str = "buyer"
) -> dict[str, Any]:
    expires = (datetime.now(UTC) + timedelta(minutes=15)).isoformat()
    return {
        "id": order_id,
        "version": 0,
        "status": "created",
        "userId": user_id,
        "expiresAt": expires,
        "ticket": {"id": ticket_id, "price": price},
    }


def order_ended(order_id: str, ticket_id: str, version: int = 1) -> dict[str, Any]:
    return {"id": order_id, "version": version, "ticket": {"id": ticket_id}}


async def send(
    nats_url: str, subject: str, payload: dict[str, Any], msg_id: str | None = None
) -> str:
    msg_id = msg_id or uuid.uuid4().hex
    await bus.publish(nats_url, subject, payload, msg_id)
    return msg_id


def show(
    event_id: str,
    starts_in: timedelta = timedelta(days=30),
    version: int = 0,
    name: str = "Taylor Swift",
) -> dict[str, Any]:
    """An `event.created` / `event.updated` payload, as the catalog publishes it."""
    return {
        "id": event_id,
        "version": version,
        "name": name,
        "venue": "Wembley Stadium",
        "city": "London",
        "startsAt": (datetime.now(UTC) + starts_in).isoformat(),
    }


async def known_event(
    app: FastAPI,
    nats_url: str,
    starts_in: timedelta = timedelta(days=30),
    name: str = "Taylor Swift",
) -> str:
    """Announce an event as the catalog would, and wait until tickets has applied it."""
    event_id = uuid.uuid4().hex
    await send(nats_url, "event.created", show(event_id, starts_in, name=name))
    await wait_for_show(app, event_id, 0)
    return event_id


async def wait_for_show(app: FastAPI, event_id: str, version: int) -> None:
    def applied() -> int | None:
        with Session(runtime_of(app).engine) as session:
            row = session.get(Show, event_id)
            return None if row is None else row.version

    async def probe() -> int | None:
        return await asyncio.to_thread(applied)

    await eventually(probe, lambda v: v == version)
