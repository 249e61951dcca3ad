"""The FastAPI application every service is built from: `create_app(spec, settings)`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from .db import make_engine
from .errors import error_body, install_error_handlers
from .events import EventBus, OutboxRelay, supervise
from .events.inbox import prune_forever
from .health import service_health_router
from .logs import configure_logging
from .openapi import with_contract_errors
from .revocation import Revocations
from .runtime import Runtime, ServiceSpec
from .settings import CommonSettings, ServiceSettings
from .startup import UNREACHABLE, migrate, migrate_until_done
from .tasks import stop

log = logging.getLogger(__name__)


def create_app(spec: ServiceSpec[Any, Any], settings: CommonSettings) -> FastAPI:
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
    app.middleware("http")(_unavailable_until_serving(prefix))
    # Health first, so a service's `/{id}` route never shadows /healthz or /readyz.
    app.include_router(service_health_router(spec), prefix=prefix)
    for router in spec.routers:
        app.include_router(router, prefix=prefix)
    for other, router in spec.other_routers:
        if other not in spec.info.also_serves:  # the ingress would never route it here
            raise ValueError(f"{other} is not in the topology row of {spec.name}")
        app.include_router(router, prefix=other)
    app.openapi = with_contract_errors(app)  # type: ignore[method-assign]
    return app


def _lifespan(
    spec: ServiceSpec[Any, Any], settings: CommonSettings
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level, settings.log_json)
        runtime: Runtime[Any, Any] = Runtime(settings=settings, deps=None)
        app.state.runtime = runtime
        tasks: list[asyncio.Task[None]] = []
        async with contextlib.AsyncExitStack() as stack:
            if spec.on_bus:  # connects in the background; never fatal, never a gate
                runtime.events = EventBus.from_settings(settings, client_name=spec.name)
                await runtime.events.start()
                stack.push_async_callback(runtime.events.close)
            if spec.checks_sessions:  # connects lazily: reported in /readyz, never a gate
                if not isinstance(settings, ServiceSettings):
                    raise TypeError(f"{spec.name}: an API's settings are ServiceSettings")
                redis = connect_redis(settings)
                stack.push_async_callback(redis.aclose)
                cache = settings.session_revocation_cache_seconds
                runtime.revocations = Revocations(redis, cache)

            async def serve() -> None:
                runtime.deps = await stack.enter_async_context(spec.deps(runtime))
                tasks.extend(asyncio.create_task(loop) for loop in _background(runtime, spec))
                runtime.serving.set()
                log.info("%s ready on %s", spec.name, spec.prefix or "/")

            if spec.migrations_dir is None:
                await serve()
            else:
                runtime.db = make_engine(settings.database_url)
                stack.callback(runtime.db.dispose)
                try:  # the usual case: the database answers and the app starts migrated
                    await migrate(runtime.db, spec.migrations_dir)
                    await serve()
                except UNREACHABLE as exc:
                    log.warning("%s: database not reachable (%s); retrying", spec.name, exc)
                    later = migrate_until_done(runtime.db, spec.migrations_dir, spec.name, serve)
                    tasks.append(asyncio.create_task(later, name=f"{spec.name}-startup"))
            try:
                yield
            finally:  # before the stack closes the deps, the database and the bus
                await stop(tasks)

    return lifespan


def connect_redis(settings: CommonSettings) -> Redis:
    """Connects lazily: a service starts without Redis, and /readyz says so."""
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=2,
        socket_connect_timeout=2,
        **settings.redis_credentials(),
    )


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


def _unavailable_until_serving(
    prefix: str,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """Until the database is migrated, routes answer 503 (health and docs still work)."""
    open_paths = {f"{prefix}/{p}" for p in ("healthz", "readyz", "docs", "openapi.json")}

    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        runtime: Runtime[Any, Any] | None = getattr(request.app.state, "runtime", None)
        if runtime is None or runtime.serving.is_set() or request.url.path in open_paths:
            return await call_next(request)
        body = error_body(("The service is starting, please try again", None))
        return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})

    return middleware
