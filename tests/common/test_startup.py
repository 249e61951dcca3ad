"""A service whose database comes up after it: it waits, then becomes ready, no restart.

The service runs as its own process (`python -m backend_services tickets`, as
the image runs it) against a PostgreSQL address where nothing listens yet. It
must answer /healthz (alive), keep /readyz and its routes at 503, retry the
database with back-off, and once PostgreSQL starts, migrate and become ready in
the same process. NATS being down is reported by /readyz, never a gate.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.topology import by_name
from harness import servers

pytestmark = pytest.mark.postgres

SERVICE = by_name("tickets")
RETRIES_BEFORE_THE_DATABASE = 3  # back-off attempts seen before PostgreSQL starts


def poll(check: object, what: str, timeout: float = 60.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.1)


def get(port: int, path: str) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{SERVICE.health_prefix}{path}", timeout=5)
    except httpx.TransportError:
        return None


@pytest.fixture
def late_postgres() -> Iterator[servers.Server]:
    """A PostgreSQL cluster initialised but not started: its port is known, closed."""
    server = servers.postgres_server()
    if server is None:
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    try:
        yield server
    finally:
        server.stop()


def test_service_waits_for_a_late_database_and_becomes_ready_without_restart(
    late_postgres: servers.Server, tmp_path: Path
) -> None:
    port = servers.free_port()
    log = tmp_path / "tickets.log"
    nats_port = servers.free_port()  # nothing there: the bus is reported, not a gate
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "JWT_KEY": "k" * 48,
        "PORT": str(port),
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{late_postgres.port}/postgres",
        "NATS_URL": f"nats://127.0.0.1:{nats_port}",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend_services", SERVICE.name],
            cwd=servers.REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # Alive at once, not ready, routes refused in the contract's shape.
        poll(lambda: (r := get(port, "/healthz")) is not None and r.status_code == 200, "healthz")
        ready = get(port, "/readyz")
        assert ready is not None and ready.status_code == 503, ready
        assert ready.json()["checks"]["database"] == "starting"
        assert ready.json()["errors"][0]["message"]
        listing = httpx.get(f"http://127.0.0.1:{port}{SERVICE.prefix}", timeout=5)
        assert listing.status_code == 503
        assert listing.json()["errors"][0]["field"] is None

        # It retries with back-off, still the same process.
        marker = f"(attempt {RETRIES_BEFORE_THE_DATABASE},"
        poll(lambda: marker in log.read_text(), f"retry attempt {RETRIES_BEFORE_THE_DATABASE}")
        assert proc.poll() is None, log.read_text()[-3000:]

        late_postgres.start()
        poll(
            lambda: (r := get(port, "/readyz")) is not None and r.status_code == 200,
            "ready after the database came up",
        )
        assert proc.poll() is None, "the service restarted or exited"
        body = get(port, "/readyz")
        assert body is not None
        assert body.json()["checks"] == {"database": "ok", "events": "unreachable", "redis": "ok"}
        listing = httpx.get(f"http://127.0.0.1:{port}{SERVICE.prefix}", timeout=5)
        assert listing.status_code == 200, listing.text  # migrated: the table exists
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
