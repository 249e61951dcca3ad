"""What auth needs besides its database: Redis for the sign-in throttle."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from redis import Redis

from backend_services.common.runtime import Runtime
from backend_services.common.threads import in_thread

from .ratelimit import SigninLimiter
from .settings import AuthSettings


@dataclass(frozen=True)
class AuthDeps:
    redis: Redis
    limiter: SigninLimiter


AuthRuntime = Runtime[AuthSettings, AuthDeps]


@contextlib.asynccontextmanager
async def auth_deps(runtime: Runtime[AuthSettings, None]) -> AsyncIterator[AuthDeps]:
    settings = runtime.settings
    redis = Redis.from_url(
        settings.redis_url,
        socket_timeout=2,
        socket_connect_timeout=2,
        **settings.redis_credentials(),
    )
    limiter = SigninLimiter(redis, settings.signin_max_failures, settings.signin_window_seconds)
    try:
        yield AuthDeps(redis=redis, limiter=limiter)
    finally:
        redis.close()


async def redis_reachable(runtime: AuthRuntime) -> None:
    await in_thread(runtime.deps.redis.ping)  # never block the event loop
