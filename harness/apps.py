"""Run a service's ASGI app in-process (lifespan included) against real servers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from backend_services.common.runtime import Runtime
from backend_services.common.settings import CommonSettings

JWT_KEY = "test-key-that-is-long-enough-for-hs256-0123456789"
S = TypeVar("S", bound=CommonSettings)


def make_settings(cls: type[S], **overrides: Any) -> S:
    defaults: dict[str, Any] = {
        "environment": "test",
        "jwt_key": JWT_KEY,
        "outbox_poll_seconds": 0.2,
        "log_level": "WARNING",
    }
    return cls(**{**defaults, **overrides})


def runtime_of(app: FastAPI) -> Runtime[Any, Any]:
    runtime: Runtime[Any, Any] = app.state.runtime
    return runtime


@contextlib.asynccontextmanager
async def serve(app: FastAPI, *, migrated: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, once its database and event bus are ready
    (`migrated=False`: as soon as it starts, for a database that is not there)."""
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        runtime = runtime_of(app)
        # Migrated and serving: if the database did not answer at once (a loaded
        # machine), start-up goes on retrying in the background and routes say 503.
        if migrated:
            await asyncio.wait_for(runtime.serving.wait(), timeout=60)
        bus = runtime.events
        if bus is not None:  # a service on the event bus is ready once connected
            await bus.wait_ready(timeout=20)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
