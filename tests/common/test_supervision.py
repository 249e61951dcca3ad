"""Consumers that stay alive: a failed ack restarts the consumer, /readyz's checks
say so meanwhile; and the inbox forgets ids once they are older than its retention."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
from nats.aio.msg import Msg
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend_services.common.app import create_app
from backend_services.common.clock import utcnow
from backend_services.common.events import Consumer, Delivery, Event, TicketCreated
from backend_services.common.events.inbox import prune_inbox
from backend_services.common.events.tables import ProcessedMessage
from backend_services.common.runtime import Runtime, ServiceSpec
from backend_services.common.settings import ServiceSettings
from harness.apps import make_settings, serve
from tests.common.test_consumer import payload
from tests.support.bus import publish
from tests.support.waiting import eventually


def probe_app(database_url: str, nats_url: str, seen: list[str]) -> Any:
    async def record(event: Event, _: Delivery) -> None:
        assert isinstance(event, TicketCreated)
        seen.append(event.id)

    def consumers(_: Runtime[ServiceSettings, None]) -> Sequence[Consumer]:
        return [Consumer("probe", {"ticket.created": record})]

    # tickets' row of the topology (a database, on the bus) with a probe consumer.
    spec: ServiceSpec[ServiceSettings, None] = ServiceSpec(name="tickets", consumers=consumers)
    return create_app(
        spec, make_settings(ServiceSettings, database_url=database_url, nats_url=nats_url)
    )


async def test_a_consumer_whose_ack_raises_restarts_and_readyz_says_so(
    database_url: str, nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_ack = Msg.ack
    failed: list[str] = []

    async def ack_that_fails_once(self: Msg) -> None:
        if not failed:  # a NATS hiccup at the worst moment: the effect is done, the ack lost
            failed.append(self.subject)
            raise ConnectionError("nats: connection reset while acking")
        await real_ack(self)

    monkeypatch.setattr(Msg, "ack", ack_that_fails_once)
    seen: list[str] = []
    async with serve(probe_app(database_url, nats_url, seen)) as client:

        async def ready() -> httpx.Response:
            return await client.get("/api/tickets/readyz")

        def probe_state(r: httpx.Response) -> str | None:
            state: str | None = r.json()["checks"].get("consumer probe")
            return state

        assert probe_state(await ready()) is None
        await publish(nats_url, "ticket.created", payload("first"), msg_id="m1")
        # Reported, not a gate (like the bus): the API keeps serving meanwhile.
        down = await eventually(ready, lambda r: probe_state(r) is not None, interval=0.02)
        assert str(probe_state(down)).startswith("down: ConnectionError"), down.json()
        assert down.status_code == 200
        await eventually(ready, lambda r: probe_state(r) is None)
        await publish(nats_url, "ticket.created", payload("second"), msg_id="m2")

        async def handled() -> list[str]:
            return list(seen)

        await eventually(handled, lambda s: "second" in s)
    assert failed == ["ticket.created"] and seen[0] == "first"


def _inbox(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return {row.msg_id for row in session.exec(select(ProcessedMessage)).all()}


async def test_the_inbox_is_pruned_after_its_retention(engine: Engine) -> None:
    now = utcnow()
    with Session(engine) as session:
        session.add(
            ProcessedMessage(consumer="c", msg_id="old", processed_at=now - timedelta(days=9))
        )
        session.add(
            ProcessedMessage(consumer="c", msg_id="recent", processed_at=now - timedelta(days=1))
        )
        session.commit()
    removed = await asyncio.to_thread(prune_inbox, engine, now - timedelta(days=8))
    assert removed == 1
    assert _inbox(engine) == {"recent"}
