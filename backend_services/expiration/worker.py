"""The arq worker, run inside the service process and restarted if Redis drops it.

We drive arq's poll loop ourselves (`Worker._poll_iteration`, arq is pinned) so
that shutdown is cooperative: a stop flag ends the loop between polls, running
jobs get a grace period, and no cancellation lands inside a Redis command
(where it was seen to be swallowed under uvicorn, hanging shutdown).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from arq.connections import ArqRedis
from arq.worker import Worker, func

from backend_services.common.events import EventBus

from . import jobs, timers
from .settings import ExpirationSettings

log = logging.getLogger(__name__)

RESTART_DELAY_SECONDS = 0.5
SHUTDOWN_GRACE_SECONDS = 5.0


def make_worker(settings: ExpirationSettings, redis: ArqRedis, bus: EventBus) -> Worker:
    return Worker(
        functions=[func(timers.expire_order, name=timers.JOB_FUNCTION)],
        redis_pool=redis,
        handle_signals=False,  # uvicorn owns SIGINT/SIGTERM; the lifespan stops us
        poll_delay=settings.poll_delay_seconds,
        max_jobs=settings.max_jobs,
        job_timeout=settings.job_timeout_seconds,
        keep_result=settings.keep_result_seconds,
        max_tries=settings.max_tries,
        health_check_interval=60,
        ctx={"bus": bus, "redis": redis},
        log_results=False,
        job_serializer=jobs.serialize,
        job_deserializer=jobs.deserialize,
    )


class WorkerRunner:
    """Runs due jobs until `stop()`; a Redis outage restarts the loop, never ends it."""

    def __init__(self, settings: ExpirationSettings, redis: ArqRedis, bus: EventBus) -> None:
        self.settings = settings
        self.redis = redis
        self.bus = bus
        self._stopping = asyncio.Event()
        self.worker: Worker | None = None

    def stop(self) -> None:
        self._stopping.set()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                self.worker = make_worker(self.settings, self.redis, self.bus)
                try:
                    while not self._stopping.is_set():
                        await self.worker._poll_iteration()  # what Worker.main() loops on
                        await self._pause(self.settings.poll_delay_seconds)
                except Exception as exc:  # Redis gone: retry until it is back
                    log.warning("arq worker stopped (%s: %s); restarting", type(exc).__name__, exc)
                    await self._pause(RESTART_DELAY_SECONDS)
        finally:
            await self._drain()

    async def _drain(self) -> None:
        """Let running jobs (a publish each) finish; cancelled ones are retried by arq."""
        if self.worker is None:
            return
        running = [task for task in self.worker.tasks.values() if not task.done()]
        if not running:
            return
        _, pending = await asyncio.wait(running, timeout=SHUTDOWN_GRACE_SECONDS)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1)
