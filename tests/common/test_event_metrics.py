"""A consumer counts what became of each delivery: ack, retry, redelivery, dead letter."""

import asyncio

from prometheus_client import CollectorRegistry, generate_latest

from backend_services.common.events import Consumer, Delivery, Event, EventBus, Retry
from backend_services.common.events.consumer import run_consumer
from backend_services.common.events.metrics import EventMetrics
from tests.common.test_consumer import payload
from tests.support.bus import publish, stream_messages
from tests.support.metrics import parse, value
from tests.support.waiting import eventually


async def test_consumer_counts_acks_retries_redeliveries_and_dead_letters(
    bus: EventBus, nats_url: str
) -> None:
    registry = CollectorRegistry()
    metrics = EventMetrics(registry)

    async def late_then_poison(event: Event, delivery: Delivery) -> None:
        if event.id == "poison":  # type: ignore[attr-defined]
            raise ValueError("never applies")
        if delivery.attempt == 1:
            raise Retry("an earlier version is missing", delay=0.05)

    consumer = Consumer("counted", {"ticket.created": late_then_poison}, max_deliver=2)
    task = asyncio.create_task(run_consumer(bus, consumer, metrics=metrics))
    try:
        await publish(nats_url, "ticket.created", payload("late"), msg_id="m-late")
        await publish(nats_url, "ticket.created", payload("poison"), msg_id="m-poison")
        dead = await eventually(
            lambda: stream_messages(nats_url, stream="DEADLETTERS"), lambda m: len(m) == 1
        )
        assert dead[0][2]["Original-Msg-Id"] == "m-poison"  # what a replay republishes with

        def handled(outcome: str) -> float:
            samples = parse(generate_latest(registry).decode())
            labels = {"consumer": "counted", "subject": "ticket.created", "outcome": outcome}
            return value(samples, "events_handled_total", **labels)

        async def settled() -> float:
            return handled("ack") + handled("dead_letter")

        await eventually(settled, lambda n: n == 2)  # the last deliveries are counted
    finally:
        task.cancel()

    samples = parse(generate_latest(registry).decode())
    labels = {"consumer": "counted", "subject": "ticket.created"}
    assert handled("ack") == 1  # "late", on its second delivery
    assert handled("retry") == 2  # both, the first time
    assert handled("dead_letter") == 1  # "poison", out of deliveries
    assert value(samples, "events_redelivered_total", **labels) == 2
    assert value(samples, "events_dead_lettered_total", **labels) == 1
    assert value(samples, "events_handle_duration_seconds_count", **labels) == 4
