"""Session-wide real servers and per-test clean state.

nats-server and redis-server always run, with authentication (anonymous clients
are refused; suites connect as the harness user); PostgreSQL runs where its binaries are
installed (CI installs them), and every DB-backed test runs on SQLite and on it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from harness import servers
from tests.support.bus import reset_streams


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    with servers.running(servers.nats_server(tmp_path_factory.mktemp("nats"))) as server:
        yield server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Server]:
    with servers.running(servers.redis_server(tmp_path_factory.mktemp("redis"))) as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def redis_for_sessions(redis_server: servers.Server) -> Iterator[None]:
    """Every API service checks sessions against Redis (the sign-out deny-list): its
    settings find this server the way production's do, through REDIS_URL."""
    previous = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = redis_server.url("redis", path="/0")  # the harness user
    yield
    if previous is None:
        os.environ.pop("REDIS_URL", None)
    else:
        os.environ["REDIS_URL"] = previous


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[servers.Server | None]:
    server = servers.postgres_server()
    if server is None:
        yield None
        return
    with servers.running(server):
        _wait_for_sessions(server.port)
        yield server


def _wait_for_sessions(port: int, timeout: float = 30) -> None:
    """The port opens before the server accepts sessions ("the database system is starting up")."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres").close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture
async def nats_url(nats_server: servers.Server) -> AsyncIterator[str]:
    """The test NATS as the harness user (every permission; see harness/servers.py)."""
    url = nats_server.url("nats")
    if nats_server.proc is None:  # a test killed it and did not restart it
        nats_server.start()
    await reset_streams(url)
    yield url


@pytest.fixture
def redis_url(redis_server: servers.Server) -> str:
    if redis_server.proc is None:
        redis_server.start()
    url = redis_server.url("redis", path="/0")  # the harness user (see harness/servers.py)
    redis.Redis.from_url(url).flushall()
    return url


def _new_postgres_db(server: servers.Server) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        f"postgresql://postgres@127.0.0.1:{server.port}/postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server: servers.Server | None
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'service.db'}"
    if postgres_server is None:
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    return _new_postgres_db(postgres_server)
