"""expiration: a worker process with a small health endpoint (PORT, default from topology).

One process does three things: a durable JetStream consumer of `order.created`
that schedules an arq job per order, the arq worker that runs due jobs, and an
HTTP server for `/healthz` and `/readyz`. Replicas are safe: the consumer is
shared and arq runs each job once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from arq.connections import ArqRedis

from backend_services.common.app import app_factory
from backend_services.common.events import Consumer, Delivery, Event, OrderCreated, Subject
from backend_services.common.runtime import Runtime, ServiceSpec

from . import jobs, timers
from .settings import ExpirationSettings
from .worker import WorkerRunner

log = logging.getLogger(__name__)

CONSUMER_NAME = "expiration"
SHUTDOWN_SECONDS = 8.0


@dataclass(frozen=True)
class ExpirationDeps:
    redis: ArqRedis
    runner: WorkerRunner


ExpirationRuntime = Runtime[ExpirationSettings, ExpirationDeps]


def connect_redis(settings: ExpirationSettings) -> ArqRedis:
    # Bounded socket timeouts: a hung Redis must not hang the worker or the consumer.
    redis: ArqRedis = ArqRedis.from_url(
        settings.redis_url,
        socket_timeout=5,
        socket_connect_timeout=2,
        **settings.redis_credentials(),
    )
    # Jobs are JSON, never pickle: whoever can write a job must not run code here.
    redis.job_serializer = jobs.serialize
    redis.job_deserializer = jobs.deserialize
    return redis


@contextlib.asynccontextmanager
async def _deps(runtime: Runtime[ExpirationSettings, None]) -> AsyncIterator[ExpirationDeps]:
    redis = connect_redis(runtime.settings)
    runner = WorkerRunner(runtime.settings, redis, runtime.bus)
    # The arq worker stops cooperatively between polls (see worker.py), never by cancel.
    worker = asyncio.create_task(runner.run(), name="arq-worker")
    try:
        yield ExpirationDeps(redis=redis, runner=runner)
    finally:
        runner.stop()
        await asyncio.wait([worker], timeout=SHUTDOWN_SECONDS)
        if not worker.done():  # should not happen: the runner stops between polls
            log.warning("arq worker did not stop in %ss", SHUTDOWN_SECONDS)
            worker.cancel()
        await redis.aclose()


def _consumers(runtime: ExpirationRuntime) -> list[Consumer]:
    grace = timedelta(seconds=runtime.settings.job_grace_seconds)

    async def on_order_created(event: Event, _: Delivery) -> None:
        assert isinstance(event, OrderCreated)
        # A Redis error propagates: the event is redelivered with back-off.
        await timers.schedule(runtime.deps.redis, event, grace)

    return [Consumer(name=CONSUMER_NAME, handlers={Subject.ORDER_CREATED.value: on_order_created})]


def observe(runtime: ExpirationRuntime) -> None:
    """`expiration_timers_pending`: the arq queue's length, read at scrape time."""
    loop, redis = asyncio.get_running_loop(), runtime.deps.redis

    async def queued() -> int:
        return int(await redis.zcard(redis.default_queue_name))

    def pending() -> int:  # a scrape runs in a worker thread; Redis is this loop's client
        return asyncio.run_coroutine_threadsafe(queued(), loop).result(timeout=2)

    runtime.metrics.gauge(
        "expiration_timers_pending", "Hold timers scheduled and not yet run (arq queue).", pending
    )


async def redis_reachable(runtime: ExpirationRuntime) -> None:
    await asyncio.wait_for(runtime.deps.redis.ping(), 2)


SPEC: ServiceSpec[ExpirationSettings, ExpirationDeps] = ServiceSpec(
    name="expiration",
    deps=_deps,
    consumers=_consumers,
    ready_checks=[redis_reachable],
    observe=observe,
)

create = app_factory(SPEC, ExpirationSettings)
