"""The arq worker, run inside the service process and restarted if Redis drops it."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from arq.connections import ArqRedis
from arq.worker import Worker, func

from backend_services.common.events import EventBus

from . import timers
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
        job_timeout=settings.job_timeout_seconds,
        keep_result=settings.keep_result_seconds,
        max_tries=settings.max_tries,
        health_check_interval=60,
        ctx={"bus": bus},
        log_results=False,
    )


async def run_worker(settings: ExpirationSettings, redis: ArqRedis, bus: EventBus) -> None:
    """Run the arq worker forever; a Redis outage restarts it instead of ending it."""
    while True:
        worker = make_worker(settings, redis, bus)
        try:
            await worker.main()
        except asyncio.CancelledError:
            await _drain(worker)
            raise
        except Exception as exc:  # Redis gone: retry until it is back
            log.warning("arq worker stopped (%s: %s); restarting", type(exc).__name__, exc)
            await asyncio.sleep(RESTART_DELAY_SECONDS)


async def _drain(worker: Worker) -> None:
    """Let running jobs (a publish each) finish; cancelled ones are retried by arq."""
    running = [task for task in worker.tasks.values() if not task.done()]
    if not running:
        return
    _, pending = await asyncio.wait(running, timeout=SHUTDOWN_GRACE_SECONDS)
    for task in pending:
        task.cancel()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.gather(*pending, return_exceptions=True)
