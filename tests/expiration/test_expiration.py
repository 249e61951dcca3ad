"""The expiration worker against real NATS and Redis (AOF)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
from arq.connections import ArqRedis
from arq.jobs import Job

from backend_services.expiration import jobs
from backend_services.expiration.timers import job_id
from harness import servers
from tests.expiration.conftest import worker_process
from tests.support.bus import publish, stream_messages
from tests.support.waiting import eventually

QUEUE = "arq:queue"


def order_created(order_id: str, expires_at: datetime) -> dict[str, Any]:
    return {
        "id": order_id,
        "version": 0,
        "status": "created",
        "userId": "buyer-1",
        "expiresAt": expires_at.isoformat(),
        "ticket": {"id": f"ticket-{order_id}", "price": 2000},
    }


async def publish_order(
    nats_url: str, order_id: str, expires_at: datetime, msg_id: str = ""
) -> None:
    payload = order_created(order_id, expires_at)
    await publish(nats_url, "order.created", payload, msg_id or f"order-created-{order_id}")


async def expirations(nats_url: str) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    return await stream_messages(nats_url, "expiration.complete")


async def consumer_caught_up(nats_url: str, delivered: int) -> bool:
    nc = await nats.connect(nats_url)
    try:
        try:
            info = await nc.jetstream().consumer_info("EVENTS", "expiration")
        except Exception:  # not created yet
            return False
        return info.delivered.stream_seq >= delivered and info.num_ack_pending == 0
    finally:
        await nc.close()


def new_order_id() -> str:
    return uuid.uuid4().hex


async def test_health_endpoints(worker: httpx.AsyncClient) -> None:
    assert (await worker.get("/healthz")).json() == {"status": "ok"}
    # The bus is reported, not a gate: wait until it shows connected too.
    ready = await eventually(
        lambda: worker.get("/readyz"),
        lambda r: r.status_code == 200 and r.json()["checks"]["events"] == "ok",
    )
    assert ready.json() == {
        "status": "ready",
        "checks": {"events": "ok", "redis_reachable": "ok"},
    }


async def test_publishes_expiration_complete_at_expires_at(
    worker: httpx.AsyncClient, nats_url: str
) -> None:
    order_id = new_order_id()
    expires_at = datetime.now(UTC) + timedelta(seconds=1.5)
    await publish_order(nats_url, order_id, expires_at)
    events = await eventually(lambda: expirations(nats_url), timeout=10)
    fired_at = datetime.now(UTC)
    assert fired_at >= expires_at
    assert events == [
        (
            "expiration.complete",
            {"orderId": order_id},
            {"Nats-Msg-Id": f"expiration-complete:{order_id}"},
        )
    ]


async def test_scheduled_once_despite_duplicate_events(
    worker: httpx.AsyncClient, nats_url: str, redis: ArqRedis
) -> None:
    order_id = new_order_id()
    expires_at = datetime.now(UTC) + timedelta(seconds=3)
    # Three deliveries of the same order: distinct message ids defeat NATS dedupe,
    # as a republished or replayed event would.
    for n in range(3):
        await publish_order(nats_url, order_id, expires_at, msg_id=f"dup-{n}-{order_id}")
    await eventually(lambda: consumer_caught_up(nats_url, 3), timeout=10)
    assert await redis.zcard(QUEUE) == 1
    score = await redis.zscore(QUEUE, job_id(order_id))
    assert score is not None and abs(score - expires_at.timestamp() * 1000) <= 1

    await eventually(lambda: expirations(nats_url), timeout=10)
    job = Job(job_id(order_id), redis, _deserializer=jobs.deserialize)
    result = await eventually(job.result_info, timeout=5)
    assert result is not None and result.success and result.job_try == 1  # one job, run once
    # A redelivery after the job ran schedules nothing either.
    await publish_order(nats_url, order_id, expires_at, msg_id=f"dup-late-{order_id}")
    await eventually(lambda: consumer_caught_up(nats_url, 5), timeout=10)
    assert await redis.zcard(QUEUE) == 0
    assert len(await expirations(nats_url)) == 1


async def test_order_already_past_expiry_fires_immediately(
    worker: httpx.AsyncClient, nats_url: str
) -> None:
    order_id = new_order_id()
    await publish_order(nats_url, order_id, datetime.now(UTC) - timedelta(minutes=5))
    events = await eventually(lambda: expirations(nats_url), timeout=5)
    assert events[0][1] == {"orderId": order_id}


async def wait_ready(proc: servers.Server) -> None:
    ready = f"http://127.0.0.1:{proc.port}/readyz"
    async with httpx.AsyncClient() as client:
        await eventually(
            lambda: client.get(ready),
            lambda r: r.status_code == 200 and r.json()["checks"]["events"] == "ok",
            timeout=15,
        )


async def test_timer_due_while_worker_down_fires_after_restart(
    tmp_path: Path, nats_url: str, redis_url: str, redis: ArqRedis
) -> None:
    proc = worker_process(tmp_path, nats_url, redis_url).start()
    try:
        await wait_ready(proc)  # connected to NATS, stream and consumer in place
        order_id = new_order_id()
        expires_at = datetime.now(UTC) + timedelta(seconds=2)
        await publish_order(nats_url, order_id, expires_at)
        await eventually(lambda: redis.zscore(QUEUE, job_id(order_id)), timeout=15)
        proc.kill()  # SIGKILL: no clean shutdown
        await asyncio.sleep(max((expires_at - datetime.now(UTC)).total_seconds(), 0) + 1)
        assert await expirations(nats_url) == []  # due, but nobody is running it
        proc.start()
        events = await eventually(lambda: expirations(nats_url), timeout=15)
        assert events[0][1] == {"orderId": order_id}
    finally:
        proc.stop()


async def test_process_stops_promptly_on_sigterm(
    tmp_path: Path, nats_url: str, redis_url: str
) -> None:
    proc = worker_process(tmp_path, nats_url, redis_url).start()
    await wait_ready(proc)
    started = time.monotonic()
    proc.stop()  # SIGTERM, as Kubernetes and honcho send it
    assert time.monotonic() - started < 5


async def test_timer_survives_redis_restart(
    worker: httpx.AsyncClient, nats_url: str, redis_server: servers.Server, redis: ArqRedis
) -> None:
    order_id = new_order_id()
    expires_at = datetime.now(UTC) + timedelta(seconds=2)
    await publish_order(nats_url, order_id, expires_at)
    await eventually(lambda: redis.zscore(QUEUE, job_id(order_id)), timeout=10)
    redis_server.kill()  # kill -9: only the append-only file keeps the timer
    try:
        await asyncio.sleep(max((expires_at - datetime.now(UTC)).total_seconds(), 0) + 0.5)
        assert await expirations(nats_url) == []
    finally:
        redis_server.start()
    events = await eventually(lambda: expirations(nats_url), timeout=15)
    assert events[0][1] == {"orderId": order_id}
    assert (await worker.get("/readyz")).status_code == 200


async def test_publish_failure_is_retried_until_nats_is_back(
    worker: httpx.AsyncClient, nats_url: str, nats_server: servers.Server, redis: ArqRedis
) -> None:
    order_id = new_order_id()
    expires_at = datetime.now(UTC) + timedelta(seconds=1)
    await publish_order(nats_url, order_id, expires_at)
    await eventually(lambda: redis.zscore(QUEUE, job_id(order_id)), timeout=10)
    nats_server.kill()
    try:
        await asyncio.sleep(max((expires_at - datetime.now(UTC)).total_seconds(), 0) + 1.5)
        # The job ran while NATS was down: it failed and is retried, not marked done.
        assert await redis.exists(f"arq:result:{job_id(order_id)}") == 0
        assert int(await redis.get(f"arq:retry:{job_id(order_id)}") or 0) >= 2
    finally:
        nats_server.start()
    events = await eventually(lambda: expirations(nats_url), timeout=20)
    assert events[0][1] == {"orderId": order_id}
