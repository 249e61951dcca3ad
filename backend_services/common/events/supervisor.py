"""Consumers that stay alive: each runs under a supervisor that restarts it.

A handler's own failure never reaches here (`handle_message` turns it into a
retry or a dead letter). What does is a failure to talk to NATS about a message
(`ack`, `nak`, `term`, the dead-letter publish): the subscription is then in an
unknown state, so the consumer ends, is marked down for `/readyz`, and starts
again after a back-off. Whatever it had not acked is redelivered by JetStream
after the ack wait, and the inbox keeps a second delivery from having a second
effect.
"""

from __future__ import annotations

import asyncio
import logging

from .bus import EventBus
from .consumer import Consumer, run_consumer
from .liveness import ConsumerHealth
from .metrics import EventMetrics

log = logging.getLogger(__name__)

RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


async def supervise(
    bus: EventBus,
    consumer: Consumer,
    health: ConsumerHealth,
    delays: tuple[float, ...] = RESTART_DELAYS,
    metrics: EventMetrics | None = None,
) -> None:
    """Run `consumer` forever, restarting it with back-off whenever it fails."""
    failures = 0
    while True:
        try:
            await run_consumer(bus, consumer, health, metrics)
            reason = "stopped"  # run_consumer only returns if something is badly wrong
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            reason = repr(exc)[:200]
            log.exception("consumer %s failed; restarting", consumer.name)
        # A consumer that came up since the last failure starts its back-off afresh.
        failures = 0 if health.is_up(consumer.name) and failures else failures
        health.down(consumer.name, reason)
        await asyncio.sleep(delays[min(failures, len(delays) - 1)])
        failures += 1
