"""The FastAPI application every service is built from: `create_app(spec, settings)`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from redis.asyncio import Redis

from .db import make_engine
from .errors import install_error_handlers
from .events import EventBus, OutboxRelay, supervise
from .events.inbox import prune_forever
from .health import service_health_router
from .logs import configure_logging
from .migrations import upgrade_to_head
from .openapi import with_contract_errors
from .revocation import Revocations
from .runtime import Runtime, ServiceSpec
from .settings import ServiceSettings
from .tasks import stop
from .threads import in_thread

log = logging.getLogger(__name__)


def create_app(spec: ServiceSpec[Any, Any], settings: ServiceSettings) -> FastAPI:
    prefix = spec.prefix
    app = FastAPI(
        title=f"{spec.name} service",
        lifespan=_lifespan(spec, settings),
        docs_url=f"{prefix}/docs" if spec.routers else None,
        openapi_url=f"{prefix}/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.middleware("http")(_request_id)
    # Health first, so a service's `/{id}` route never shadows /healthz or /readyz.
    app.include_router(service_health_router(spec), prefix=prefix)
    for router in spec.routers:
        app.include_router(router, prefix=prefix)
    app.openapi = with_contract_errors(app)  # type: ignore[method-assign]
    return app


def _lifespan(
    spec: ServiceSpec[Any, Any], settings: ServiceSettings
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level, settings.log_json)
        runtime: Runtime[Any, Any] = Runtime(settings=settings, deps=None)
        app.state.runtime = runtime
        async with contextlib.AsyncExitStack() as stack:
            if spec.migrations_dir is not None:
                runtime.db = make_engine(settings.database_url)
                stack.callback(runtime.db.dispose)
                await in_thread(upgrade_to_head, runtime.db, spec.migrations_dir)
            if spec.on_bus:
                runtime.events = EventBus(settings.nats_url, settings.nats_stream, spec.name)
                await runtime.events.start()
                stack.push_async_callback(runtime.events.close)
            if spec.checks_sessions:
                redis = connect_redis(settings.redis_url)
                stack.push_async_callback(redis.aclose)
                cache = settings.session_revocation_cache_seconds
                runtime.revocations = Revocations(redis, cache)
            runtime.deps = await stack.enter_async_context(spec.deps(runtime))
            tasks = [asyncio.create_task(loop) for loop in _background(runtime, spec)]
            stack.push_async_callback(stop, tasks)
            log.info("%s ready on %s", spec.name, spec.prefix or "/")
            yield

    return lifespan


def connect_redis(url: str) -> Redis:
    """Connects lazily: a service starts without Redis, and /readyz says so."""
    return Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _background(
    runtime: Runtime[Any, Any], spec: ServiceSpec[Any, Any]
) -> list[Coroutine[Any, Any, None]]:
    loops: list[Coroutine[Any, Any, None]] = []
    settings = runtime.settings
    if runtime.db is not None and spec.info.publishes:
        relay = OutboxRelay(runtime.db, runtime.bus, settings.outbox_poll_seconds)
        loops.append(relay.run())
    if runtime.db is not None and spec.info.consumes:  # an inbox of processed ids
        retention, every = settings.inbox_retention_seconds, settings.inbox_prune_interval_seconds
        loops.append(prune_forever(runtime.db, retention, every))
    # Supervised: a consumer that fails is restarted with back-off, down in /readyz meanwhile.
    loops += [supervise(runtime.bus, c, runtime.consumers) for c in spec.consumers(runtime)]
    loops += spec.background(runtime)
    return loops


async def _request_id(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    request.state.request_id = request_id
    response = await call_next(request)
    response.headers["X-Request-Id"] = request_id
    return response
