"""The catalog under test: the app, its client, raw ticket events and a look at its database."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from backend_services.catalog.domain import key
from backend_services.catalog.main import create
from backend_services.catalog.models import CatalogEvent
from backend_services.catalog.settings import CatalogSettings
from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from harness.apps import make_settings, runtime_of, serve
from tests.support import bus

API = "/api/events"


def catalog_settings(database_url: str, nats_url: str, **kw: Any) -> CatalogSettings:
    return make_settings(CatalogSettings, database_url=database_url, nats_url=nats_url, **kw)


@dataclass
class Catalog:
    app: FastAPI
    client: httpx.AsyncClient

    def _insert(self, event: CatalogEvent) -> None:
        with transaction(runtime_of(self.app).engine) as session:
            session.add(event)

    async def insert_past(self, name: str, days_ago: float = 1) -> str:
        """An event that has already started: the API refuses to create one."""
        event = CatalogEvent(
            name=name,
            venue="Old Hall",
            city="Leeds",
            starts_at=utcnow().replace(microsecond=0) - timedelta(days=days_ago),
            name_key=key(name),
            venue_key=key("Old Hall"),
            city_key=key("Leeds"),
            created_by="someone",
        )
        await asyncio.to_thread(self._insert, event)
        return event.id


@contextlib.asynccontextmanager
async def running(settings: CatalogSettings) -> AsyncIterator[Catalog]:
    app = create(settings)
    async with serve(app) as client:
        yield Catalog(app, client)


def when(days: float = 30, hours: float = 0) -> str:
    """A start time `days` from now, as the wire carries it."""
    moment = utcnow().replace(microsecond=0) + timedelta(days=days, hours=hours)
    return moment.isoformat().replace("+00:00", "Z")


def show(
    name: str = "Taylor Swift",
    venue: str = "Wembley Stadium",
    city: str = "London",
    starts_at: str | None = None,
) -> dict[str, Any]:
    return {"name": name, "venue": venue, "city": city, "startsAt": starts_at or when()}


def ticket_created(
    ticket_id: str, event_id: str | None, all_in_price: int | None = 2200, price: int = 2000
) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "version": 0,
        "title": "Seat",
        "price": price,
        "userId": "seller",
        "eventId": event_id,
        "allInPrice": all_in_price,
    }


def ticket_updated(
    ticket_id: str,
    event_id: str | None,
    version: int,
    status: str = "available",
    all_in_price: int | None = 2200,
) -> dict[str, Any]:
    return {
        **ticket_created(ticket_id, event_id, all_in_price),
        "version": version,
        "orderId": None if status == "available" else "order-1",
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


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)
