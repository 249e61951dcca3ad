"""NATS down is not a site outage: the service stays ready and serves, the outbox
keeps the events, and they all reach the stream once NATS is back.

tickets runs as its own process (as the image runs it) on SQLite against a NATS
server this test stops and starts again on the same port and store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from backend_services.common.sessions import CurrentUser, issue_token
from backend_services.common.settings import ServiceSettings
from contracts.rules import COOKIE_NAME
from contracts.topology import by_name
from harness import servers
from tests.support.bus import stream_messages
from tests.support.waiting import eventually

SERVICE = by_name("tickets")
JWT_KEY = "k" * 48
LISTED_WHILE_DOWN = 3


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[servers.Server]:
    with servers.running(servers.nats_server(tmp_path)) as server:
        yield server


@pytest.fixture
def tickets(own_nats: servers.Server, tmp_path: Path) -> Iterator[str]:
    port = servers.free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "JWT_KEY": JWT_KEY,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path}/tickets.db",
        "NATS_URL": own_nats.url("nats"),  # the harness user (harness/servers.py)
    }
    with (tmp_path / "tickets.log").open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend_services", SERVICE.name],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


async def test_nats_outage_keeps_the_service_ready_and_loses_no_event(
    tickets: str, own_nats: servers.Server
) -> None:
    settings = ServiceSettings(environment="test", jwt_key=JWT_KEY)
    token = issue_token(settings, CurrentUser(id="seller-1", email="seller@example.com"))
    async with httpx.AsyncClient(base_url=tickets, cookies={COOKIE_NAME: token}) as client:

        async def readyz() -> httpx.Response | None:
            try:
                return await client.get(f"{SERVICE.prefix}/readyz")
            except httpx.TransportError:
                return None

        def events(state: str) -> Callable[[httpx.Response | None], bool]:
            def check(r: httpx.Response | None) -> bool:
                return (
                    r is not None and r.status_code == 200 and r.json()["checks"]["events"] == state
                )

            return check

        await eventually(readyz, events("ok"), timeout=60)

        own_nats.kill()
        await eventually(readyz, events("unreachable"), timeout=30)
        ids = []
        for i in range(LISTED_WHILE_DOWN):
            created = await client.post(
                SERVICE.prefix or "", json={"title": f"Gig {i}", "price": 2500}
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
            ready = await readyz()
            assert ready is not None and ready.status_code == 200, "NATS down made it unready"
        listed = await client.get(SERVICE.prefix or "")
        assert listed.status_code == 200
        assert set(ids) <= {t["id"] for t in listed.json()}

        own_nats.start()
        await eventually(readyz, events("ok"), timeout=60)
        url = own_nats.url("nats")

        async def published() -> set[str]:
            messages = await stream_messages(url, "ticket.created")
            return {payload["id"] for _, payload, _ in messages}

        drained = await eventually(published, lambda found: set(ids) <= found, timeout=30)
        assert set(ids) <= drained
