"""Hold timers: one arq job per order, due at the order's `expiresAt`.

- Scheduling is idempotent: the job id is derived from the order, and arq's
  `enqueue_job` refuses an id whose job (or kept result) exists, so a
  redelivered `order.created` schedules nothing twice.
- The job publishes `expiration.complete` with a `Nats-Msg-Id` derived from
  the order, so a job run twice (a worker crashed mid-job) is dropped by
  JetStream's dedupe window, and orders ignores late duplicates anyway.
- A job whose publish fails raises arq's `Retry`: it is run again with
  back-off and never counted as done while the event is unpublished.
- A job that is due while no worker runs is picked up as soon as one starts.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.worker import Retry as JobRetry

from backend_services.common import tracing
from backend_services.common.events import EventBus, ExpirationComplete, OrderCreated

log = logging.getLogger(__name__)

JOB_FUNCTION = "expire_order"
MAX_RETRY_DELAY_SECONDS = 5.0


def job_id(order_id: str) -> str:
    return f"expire:{order_id}"


def message_id(order_id: str) -> str:
    return f"expiration-complete:{order_id}"


def as_utc(moment: datetime) -> datetime:
    """arq reads naive datetimes as local time: always hand it an aware UTC one."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def schedule(redis: ArqRedis, event: OrderCreated, grace: timedelta) -> bool:
    """Schedule the order's timer; False when it was already scheduled (or already ran)."""
    due = as_utc(event.expires_at)
    now = datetime.now(UTC)
    # The job key must outlive the due time (plus a grace for a worker that is down).
    expires = max(due - now, timedelta(0)) + grace
    job = await redis.enqueue_job(
        JOB_FUNCTION,
        event.id,
        tracing.current_headers(),  # the order's trace, continued when the timer fires
        _job_id=job_id(event.id),
        _defer_until=due,
        _expires=expires,
    )
    if job is None:
        log.info("timer for order %s already scheduled", event.id)
        return False
    log.info("timer for order %s scheduled at %s", event.id, due.isoformat())
    return True


async def expire_order(
    ctx: dict[str, Any], order_id: str, trace: dict[str, str] | None = None
) -> None:
    """The arq job: publish `expiration.complete {orderId}`, or fail and be retried.

    `trace`: the trace context of the `order.created` delivery that scheduled it (jobs
    scheduled before traces were kept have none)."""
    bus: EventBus = ctx["bus"]
    event = ExpirationComplete(order_id=order_id)
    data = event.model_dump_json(by_alias=True).encode()
    try:
        if not bus.connected:
            raise ConnectionError("event bus not connected")
        with tracing.publishing(event.subject.value, trace) as headers:
            await bus.publish(
                event.subject.value, data, msg_id=message_id(order_id), headers=headers
            )
    except Exception as exc:
        tries = int(ctx.get("job_try", 1))
        delay = min(0.2 * 2 ** (tries - 1), MAX_RETRY_DELAY_SECONDS)
        log.warning(
            "expiration of order %s not published (try %d), retrying in %.1fs: %s",
            order_id,
            tries,
            delay,
            exc,
        )
        raise JobRetry(defer=delay) from exc
    due_ms = ctx.get("score")
    late = f" ({datetime.now(UTC).timestamp() - due_ms / 1000:.3f}s after due)" if due_ms else ""
    log.info("order %s expired%s", order_id, late)
