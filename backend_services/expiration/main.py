"""expiration: a worker process with a small health endpoint (PORT, default 4005).

One process does three things: a durable JetStream consumer of `order.created`
that schedules an arq job per order, the arq worker that runs due jobs, and an
HTTP server for `/healthz` and `/readyz` (also under `/api/expiration`).
Replicas are safe: the consumer is shared and arq runs each job once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis
from fastapi import FastAPI, Request

from backend_services.common.app import health_router
from backend_services.common.errors import install_error_handlers
from backend_services.common.events import (
    Consumer,
    ConsumerHealth,
    Delivery,
    Event,
    EventBus,
    OrderCreated,
    Subject,
    supervise,
)
from backend_services.common.logs import configure_logging

from . import timers
from .settings import ExpirationSettings
from .worker import WorkerRunner

log = logging.getLogger(__name__)

CONSUMER_NAME = "expiration"
SHUTDOWN_SECONDS = 8.0
PREFIX = "/api/expiration"


@dataclass
class ExpirationRuntime:
    settings: ExpirationSettings
    bus: EventBus
    redis: ArqRedis
    consumers: ConsumerHealth = field(default_factory=ConsumerHealth)
    extras: dict[str, Any] = field(default_factory=dict)


def make_consumer(runtime: ExpirationRuntime) -> Consumer:
    grace = timedelta(seconds=runtime.settings.job_grace_seconds)

    async def on_order_created(event: Event, _: Delivery) -> None:
        assert isinstance(event, OrderCreated)
        # A Redis error propagates: the event is redelivered with back-off.
        await timers.schedule(runtime.redis, event, grace)

    return Consumer(name=CONSUMER_NAME, handlers={Subject.ORDER_CREATED.value: on_order_created})


def connect_redis(url: str) -> ArqRedis:
    # Bounded socket timeouts: a hung Redis must not hang the worker or the consumer.
    redis: ArqRedis = ArqRedis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    return redis


@contextlib.asynccontextmanager
async def _lifespan_for(app: FastAPI, settings: ExpirationSettings) -> AsyncIterator[None]:
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    bus = EventBus(settings.nats_url, settings.nats_stream, client_name=settings.service_name)
    await bus.start()
    redis = connect_redis(settings.redis_url)
    runtime = ExpirationRuntime(settings=settings, bus=bus, redis=redis)
    app.state.runtime = runtime
    runner = WorkerRunner(settings, redis, bus)
    supervised = supervise(bus, make_consumer(runtime), runtime.consumers)
    consumer = asyncio.create_task(supervised, name=CONSUMER_NAME)
    worker = asyncio.create_task(runner.run(), name="arq-worker")
    log.info("expiration worker ready")
    try:
        yield
    finally:
        runner.stop()
        consumer.cancel()
        await asyncio.wait([consumer, worker], timeout=SHUTDOWN_SECONDS)
        if not worker.done():  # should not happen: the runner stops between polls
            log.warning("arq worker did not stop in %ss", SHUTDOWN_SECONDS)
            worker.cancel()
        await redis.aclose()
        await bus.close()


async def _readiness_problems(request: Request) -> list[str]:
    runtime: ExpirationRuntime = request.app.state.runtime
    problems: list[str] = []
    if not runtime.bus.connected:
        problems.append("event bus unreachable")
    try:
        await asyncio.wait_for(runtime.redis.ping(), 2)
    except Exception as exc:
        problems.append(f"redis unreachable: {type(exc).__name__}")
    problems.extend(runtime.consumers.problems())
    return problems


def create(settings: ExpirationSettings | None = None) -> FastAPI:
    settings = settings or ExpirationSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with _lifespan_for(app, settings):
            yield

    app = FastAPI(
        title="expiration worker",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{PREFIX}/openapi.json",
    )
    app.state.settings = settings
    install_error_handlers(app)
    health = health_router(_readiness_problems)
    app.include_router(health)
    app.include_router(health, prefix=PREFIX)
    return app
