"""Durable pull consumers: each service gets each event once, its replicas share the work.

A handler receives the typed event. It may raise `Retry` to have the event
redelivered later (e.g. a version gap); any other exception is retried with
back-off. When deliveries run out the event goes to the dead-letter stream
(`deadletter.<consumer>`) and is logged, so nothing is dropped silently.
`idempotent()` wraps a database handler with the inbox, so a redelivered
event has no second effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from contracts.events import Event, parse_event

from .. import tracing
from ..db import transaction
from ..threads import in_thread
from .bus import EventBus
from .liveness import ConsumerHealth
from .metrics import EventMetrics
from .tables import ProcessedMessage

log = logging.getLogger(__name__)

MAX_DELIVER = 12
ACK_WAIT_SECONDS = 30
RETRY_DELAYS = (0.2, 0.5, 1, 2, 5, 10, 15, 30)
FETCH_BATCH = 20
FETCH_TIMEOUT_SECONDS = 1.0


class Retry(Exception):
    """Not applicable yet (e.g. an earlier version is missing): deliver again later."""

    def __init__(self, reason: str, delay: float = 0.5) -> None:
        super().__init__(reason)
        self.delay = delay


@dataclass(frozen=True)
class Delivery:
    msg_id: str
    subject: str
    attempt: int


Handler = Callable[[Event, Delivery], Awaitable[None]]


@dataclass(frozen=True)
class Consumer:
    """A durable consumer named after the service, over the subjects it handles."""

    name: str
    handlers: dict[str, Handler]
    max_deliver: int = MAX_DELIVER

    def config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.name,
            filter_subjects=sorted(self.handlers),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,  # a new service catches up from the stream
            ack_wait=ACK_WAIT_SECONDS,
            max_deliver=self.max_deliver,
            max_ack_pending=1000,
        )


async def run_consumer(
    bus: EventBus,
    consumer: Consumer,
    health: ConsumerHealth | None = None,
    metrics: EventMetrics | None = None,
) -> None:
    """Fetch and handle events; survives NATS outages, and raises only when it
    could not ack, nak or dead-letter a message (see supervisor.py)."""
    await bus.wait_ready()
    sub: JetStreamContext.PullSubscription | None = None
    try:
        while True:
            try:
                if sub is None:
                    await bus.js.add_consumer(bus.stream, consumer.config())
                    sub = await bus.js.pull_subscribe_bind(consumer.name, stream=bus.stream)
                msgs = await sub.fetch(FETCH_BATCH, timeout=FETCH_TIMEOUT_SECONDS)
            except (NatsTimeout, TimeoutError):  # no message within the fetch window
                _mark_up(health, consumer)
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s fetch failed: %r", consumer.name, exc)
                if health is not None:
                    health.down(consumer.name, f"fetch failed: {type(exc).__name__}")
                await _unsubscribe(sub)
                sub = None
                await asyncio.sleep(1.0)
                continue
            _mark_up(health, consumer)
            for msg in msgs:
                await handle_message(bus, consumer, msg, metrics)
    finally:
        await _unsubscribe(sub)


def _mark_up(health: ConsumerHealth | None, consumer: Consumer) -> None:
    if health is not None:
        health.up(consumer.name)


async def _unsubscribe(sub: JetStreamContext.PullSubscription | None) -> None:
    # A pull subscription left registered can hold a late reply (e.g. the server's
    # 408 for a cancelled fetch) that nobody reads; the connection's drain on
    # shutdown would then wait for it until its 30 s timeout.
    if sub is not None:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


async def handle_message(
    bus: EventBus, consumer: Consumer, msg: Msg, metrics: EventMetrics | None = None
) -> None:
    delivery = Delivery(
        msg_id=(msg.headers or {}).get("Nats-Msg-Id", f"seq-{msg.metadata.sequence.stream}"),
        subject=msg.subject,
        attempt=msg.metadata.num_delivered,
    )
    started = time.perf_counter()
    with tracing.consuming(consumer.name, msg.subject, msg.headers, delivery.attempt):
        outcome = await _handle(bus, consumer, msg, delivery)
    if metrics is not None:
        labels = (consumer.name, msg.subject)
        metrics.handle_seconds.labels(*labels).observe(time.perf_counter() - started)
        metrics.handled.labels(*labels, outcome).inc()
        if delivery.attempt > 1:
            metrics.redelivered.labels(*labels).inc()
        if outcome == DEAD_LETTER:
            metrics.dead_lettered.labels(*labels).inc()


ACK, RETRY, DEAD_LETTER = "ack", "retry", "dead_letter"  # what became of a delivery


async def _handle(bus: EventBus, consumer: Consumer, msg: Msg, delivery: Delivery) -> str:
    try:
        event = parse_event(msg.subject, msg.data)
        await consumer.handlers[msg.subject](event, delivery)
    except Retry as retry:
        return await _retry_or_dead_letter(bus, consumer, msg, delivery, str(retry), retry.delay)
    except Exception as exc:
        log.exception("consumer %s failed on %s", consumer.name, delivery)
        delay = RETRY_DELAYS[min(delivery.attempt - 1, len(RETRY_DELAYS) - 1)]
        return await _retry_or_dead_letter(bus, consumer, msg, delivery, repr(exc), delay)
    await msg.ack()
    return ACK


async def _retry_or_dead_letter(
    bus: EventBus, consumer: Consumer, msg: Msg, delivery: Delivery, reason: str, delay: float
) -> str:
    if delivery.attempt < consumer.max_deliver:
        await msg.nak(delay=delay)
        return RETRY
    log.error("dead letter: %s gave up on %s: %s", consumer.name, delivery, reason)
    await bus.publish(
        f"deadletter.{consumer.name}",
        msg.data,
        msg_id=f"dead-{consumer.name}-{delivery.msg_id}",
        headers={
            "Original-Subject": delivery.subject,
            "Original-Msg-Id": delivery.msg_id,  # to replay it (docs/operations.md)
            "Reason": reason[:500],
            **(tracing.current_headers() or {}),
        },
    )
    await msg.term()
    return DEAD_LETTER


ApplyFn = Callable[[Session, Event], None]


def idempotent(engine: Engine, consumer_name: str, apply: ApplyFn) -> Handler:
    """Run `apply` at most once per event id, in one transaction with the inbox row."""

    async def handler(event: Event, delivery: Delivery) -> None:
        await in_thread(_apply_once, engine, consumer_name, apply, event, delivery)

    return handler


def _apply_once(
    engine: Engine, consumer: str, apply: ApplyFn, event: Event, delivery: Delivery
) -> None:
    try:
        with transaction(engine) as session:
            if session.get(ProcessedMessage, (consumer, delivery.msg_id)) is not None:
                return  # already applied: a redelivery
            session.add(ProcessedMessage(consumer=consumer, msg_id=delivery.msg_id))
            apply(session, event)
    except IntegrityError:
        if not _already_processed(engine, consumer, delivery.msg_id):
            raise
        # Another replica applied it concurrently; this delivery is a duplicate.


def _already_processed(engine: Engine, consumer: str, msg_id: str) -> bool:
    with Session(engine) as session:
        return session.get(ProcessedMessage, (consumer, msg_id)) is not None
