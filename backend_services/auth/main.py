"""auth: users and sessions (`/api/users`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from redis import Redis

from backend_services.common.app import Runtime, ServiceSpec, create_app

from .api import router
from .ratelimit import SigninLimiter
from .settings import AuthSettings


@contextlib.asynccontextmanager
async def _redis(runtime: Runtime) -> AsyncIterator[None]:
    settings = runtime.settings
    assert isinstance(settings, AuthSettings)
    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    runtime.extras["redis"] = redis
    runtime.extras["limiter"] = SigninLimiter(
        redis, settings.signin_max_failures, settings.signin_window_seconds
    )
    try:
        yield
    finally:
        redis.close()


async def _redis_ready(runtime: Runtime) -> None:
    runtime.extras["redis"].ping()


SPEC = ServiceSpec(
    name="auth",
    prefix="/api/users",
    routers=[router],
    migrations_dir=Path(__file__).parent / "migrations",
    resources=_redis,
    ready_checks=[_redis_ready],
)


def create(settings: AuthSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or AuthSettings())
