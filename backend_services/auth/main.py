"""auth: users and sessions (`/api/users`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from backend_services.common.app import Runtime, ServiceSpec, create_app

from .api import router
from .passwords import Hasher, slots_for
from .ratelimit import Limiter
from .service import Guard, Limits
from .settings import AuthSettings


@contextlib.asynccontextmanager
async def _guard(runtime: Runtime) -> AsyncIterator[None]:
    settings = runtime.settings
    assert isinstance(settings, AuthSettings)
    runtime.extras["guard"] = Guard(
        limiter=Limiter(runtime.redis),
        limits=Limits.of(settings),
        hasher=Hasher(slots_for(settings.password_hash_memory_mib)),
    )
    yield


SPEC = ServiceSpec(
    name="auth",
    prefix="/api/users",
    routers=[router],
    migrations_dir=Path(__file__).parent / "migrations",
    resources=_guard,
)


def create(settings: AuthSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or AuthSettings())
