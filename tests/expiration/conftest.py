from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis

from backend_services.expiration.main import connect_redis, create
from backend_services.expiration.settings import ExpirationSettings
from harness import servers
from harness.apps import make_settings, serve


def expiration_settings(nats_url: str, redis_url: str, **kw: Any) -> ExpirationSettings:
    return make_settings(ExpirationSettings, nats_url=nats_url, redis_url=redis_url, **kw)


@pytest.fixture
async def worker(nats_url: str, redis_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The expiration service in-process (consumer + arq worker + health app)."""
    async with serve(create(expiration_settings(nats_url, redis_url))) as client:
        yield client


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[ArqRedis]:
    client = connect_redis(expiration_settings("nats://unused", redis_url))
    yield client
    await client.aclose()


def worker_process(tmp: Path, nats_url: str, redis_url: str) -> servers.Server:
    """`python -m backend_services.expiration` as a real process that tests may kill -9."""
    port = servers.free_port()
    env = {
        "PYTHONPATH": str(servers.REPO),
        "PORT": str(port),
        "ENVIRONMENT": "test",
        "NATS_URL": nats_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "INFO",
    }
    argv = [sys.executable, "-m", "backend_services.expiration"]
    return servers.Server("expiration", argv, port, tmp / "expiration.log", env=env)
