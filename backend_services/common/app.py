"""The FastAPI application every service is built from: `create_app(spec, settings)`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from fastapi import FastAPI
from redis.asyncio import BlockingConnectionPool, Redis

from . import heap, tracing
from .db import make_engine
from .edge import Edge
from .errors import install_error_handlers
from .events import EventBus, OutboxRelay, supervise
from .events.inbox import prune_forever
from .events.metrics import OutboxBacklog
from .health import service_health_router
from .logs import configure_logging
from .metrics import Metrics, install_metrics
from .openapi import with_contract_errors
from .revocation import Revocations
from .runtime import Runtime, ServiceSpec
from .settings import CommonSettings, ServiceSettings
from .startup import UNREACHABLE, migrate, migrate_until_done
from .tasks import stop

log = logging.getLogger(__name__)
S_contra = TypeVar("S_contra", bound=CommonSettings, contravariant=True)


class AppFactory(Protocol[S_contra]):
    """A service's `create`: uvicorn calls it with no settings (from the environment),
    tests with their own."""

    def __call__(self, settings: S_contra | None = None) -> FastAPI: ...


def app_factory(
    spec: ServiceSpec[S_contra, Any], from_environment: Callable[[], S_contra]
) -> AppFactory[S_contra]:
    def create(settings: S_contra | None = None) -> FastAPI:
        return create_app(spec, settings if settings is not None else from_environment())

    return create


def create_app(spec: ServiceSpec[Any, Any], settings: CommonSettings) -> FastAPI:
    prefix = spec.prefix
    app = FastAPI(
        title=f"{spec.name} service",
        lifespan=_lifespan(spec, settings),
        docs_url=f"{prefix}/docs" if spec.routers else None,
        openapi_url=f"{prefix}/openapi.json",
        redoc_url=None,
        telemetry=tracing.FASTAPI_TELEMETRY,
    )
    app.state.settings = settings
    app.state.metrics = metrics = Metrics()
    install_error_handlers(app)
    app.add_middleware(Edge, prefix=prefix, metrics=metrics)
    install_metrics(app, metrics)
    tracing.configure(spec.name, settings.otel_exporter_otlp_endpoint)
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
        runtime: Runtime[Any, Any] = Runtime(
            settings=settings, deps=None, metrics=app.state.metrics
        )
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
                spec.observe(runtime)
                tasks.extend(asyncio.create_task(loop) for loop in _background(runtime, spec))
                heap.settle()
                runtime.serving.set()
                log.info("%s ready on %s", spec.name, spec.prefix or "/")

            if spec.migrations_dir is None:
                await serve()
            else:
                runtime.db = make_engine(settings.database_url)
                stack.callback(runtime.db.dispose)
                if spec.info.publishes:
                    runtime.metrics.add(OutboxBacklog(runtime.db))
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


REDIS_TIMEOUT_SECONDS = 2
REDIS_CONNECTIONS = 32


def connect_redis(settings: CommonSettings) -> Redis:
    """Connects lazily: a service starts without Redis, and /readyz says so.

    A blocking pool: the default one checks out every connection (and opens new ones)
    under one lock held across awaits, so on a busy event loop all commands queued
    behind each other, a loop turn each (seconds, at an on-sale's rate). This one
    checks a connection outside its lock and waits at most the timeout for a free one.
    """
    pool = BlockingConnectionPool.from_url(
        settings.redis_url,
        max_connections=REDIS_CONNECTIONS,
        timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        **settings.redis_credentials(),
    )
    return Redis.from_pool(pool)


def _background(
    runtime: Runtime[Any, Any], spec: ServiceSpec[Any, Any]
) -> list[Coroutine[Any, Any, None]]:
    loops: list[Coroutine[Any, Any, None]] = []
    settings, counted = runtime.settings, runtime.metrics.events
    if runtime.db is not None and spec.info.publishes:
        relay = OutboxRelay(runtime.db, runtime.bus, settings.outbox_poll_seconds, counted)
        loops.append(relay.run())
    if runtime.db is not None and spec.info.consumes:  # an inbox of processed ids
        retention, every = settings.inbox_retention_seconds, settings.inbox_prune_interval_seconds
        loops.append(prune_forever(runtime.db, retention, every))
    # Supervised: a consumer that fails is restarted with back-off, down in /readyz meanwhile.
    loops += [
        supervise(runtime.bus, c, runtime.consumers, metrics=counted)
        for c in spec.consumers(runtime)
    ]
    loops += spec.background(runtime)
    return loops
