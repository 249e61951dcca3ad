"""The FastAPI application every service is built from."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from sqlalchemy.engine import Engine

from .db import make_engine, ping
from .errors import ErrorBody, error_body, error_responses, install_error_handlers
from .events import Consumer, ConsumerHealth, EventBus, OutboxRelay, supervise
from .events.inbox import prune_forever
from .logs import configure_logging
from .migrations import upgrade_to_head
from .revocation import Revocations
from .settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a running service holds: passed to routes and consumers, replaced in tests."""

    settings: ServiceSettings
    engine: Engine
    bus: EventBus
    redis: Redis  # asyncio client: never blocks the event loop
    consumers: ConsumerHealth = field(default_factory=ConsumerHealth)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # "tickets": consumer names, logs
    prefix: str  # "/api/tickets"
    routers: Sequence[APIRouter]
    migrations_dir: Path
    consumers: Callable[[Runtime], Sequence[Consumer]] = lambda _: ()
    # Extra start-up/shutdown (e.g. a Redis or Stripe client), entered after the bus.
    resources: Callable[[Runtime], contextlib.AbstractAsyncContextManager[None]] | None = None
    ready_checks: Sequence[Callable[[Runtime], Awaitable[None]]] = ()


def create_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    app = FastAPI(
        title=f"{spec.name} service",
        lifespan=_lifespan(spec, settings),
        docs_url=f"{spec.prefix}/docs",
        openapi_url=f"{spec.prefix}/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.middleware("http")(_request_id)
    # Health first, so a service's `/{id}` route never shadows /healthz or /readyz.
    app.include_router(_health_router(spec), prefix=spec.prefix)
    for router in spec.routers:
        app.include_router(router, prefix=spec.prefix)
    app.openapi = _openapi_with_contract_errors(app)  # type: ignore[method-assign]
    return app


def _openapi_with_contract_errors(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI documents 422 for validation; we answer 400 with the contract's body."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        ref = {"$ref": "#/components/schemas/ErrorBody"}
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault(
                        "400",
                        {
                            "description": "Invalid input (every failing field listed)",
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components["ErrorBody"] = body
        return schema

    return openapi


def _lifespan(
    spec: ServiceSpec, settings: ServiceSettings
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level, settings.log_json)
        engine = make_engine(settings.database_url)
        await asyncio.to_thread(upgrade_to_head, engine, spec.migrations_dir)
        bus = EventBus(settings.nats_url, settings.nats_stream, client_name=spec.name)
        await bus.start()
        redis = connect_redis(settings.redis_url)
        runtime = Runtime(settings=settings, engine=engine, bus=bus, redis=redis)
        app.state.runtime = runtime
        app.state.revocations = Revocations(redis, settings.session_revocation_cache_seconds)
        async with contextlib.AsyncExitStack() as stack:
            if spec.resources is not None:
                await stack.enter_async_context(spec.resources(runtime))
            tasks = _start_background(runtime, spec)
            log.info("%s ready on %s", spec.name, spec.prefix)
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await bus.close()
                await redis.aclose()
                engine.dispose()

    return lifespan


def connect_redis(url: str) -> Redis:
    """Connects lazily: a service starts without Redis, and /readyz says so."""
    return Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _start_background(runtime: Runtime, spec: ServiceSpec) -> list[asyncio.Task[None]]:
    relay = OutboxRelay(runtime.engine, runtime.bus, runtime.settings.outbox_poll_seconds)
    runtime.extras["relay"] = relay
    settings = runtime.settings
    prune = prune_forever(
        runtime.engine, settings.inbox_retention_seconds, settings.inbox_prune_interval_seconds
    )
    tasks = [
        asyncio.create_task(relay.run(), name=f"{spec.name}-outbox"),
        asyncio.create_task(prune, name=f"{spec.name}-inbox-prune"),
    ]
    for consumer in spec.consumers(runtime):
        run = supervise(runtime.bus, consumer, runtime.consumers)
        tasks.append(asyncio.create_task(run, name=consumer.name))
    return tasks


async def _request_id(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    request.state.request_id = request_id
    response = await call_next(request)
    response.headers["X-Request-Id"] = request_id
    return response


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


ReadinessProbe = Callable[[Request], Awaitable[list[str]]]


def health_router(problems: ReadinessProbe) -> APIRouter:
    """`/healthz` (the process is alive) and `/readyz` (503 listing what is unreachable)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses=error_responses(503))
    async def readyz(request: Request) -> JSONResponse:
        found = await problems(request)
        if found:
            return JSONResponse(error_body(*((p, None) for p in found)), status_code=503)
        return JSONResponse({"status": "ready"})

    return router


def _health_router(spec: ServiceSpec) -> APIRouter:
    async def problems(request: Request) -> list[str]:
        return await _readiness_problems(get_runtime(request), spec)

    return health_router(problems)


async def _readiness_problems(runtime: Runtime, spec: ServiceSpec) -> list[str]:
    problems: list[str] = []
    try:
        await asyncio.to_thread(ping, runtime.engine)
    except Exception as exc:
        problems.append(f"database unreachable: {type(exc).__name__}")
    if not runtime.bus.connected:
        problems.append("event bus unreachable")
    try:
        await asyncio.wait_for(runtime.redis.ping(), 2)
    except Exception as exc:
        problems.append(f"redis unreachable: {type(exc).__name__}")
    problems.extend(runtime.consumers.problems())
    for check in spec.ready_checks:
        try:
            await check(runtime)
        except Exception as exc:
            problems.append(f"{check.__name__}: {type(exc).__name__}")
    return problems
