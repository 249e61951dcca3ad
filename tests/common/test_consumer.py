import asyncio
from collections import Counter as Tally
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend_services.common.events import (
    Consumer,
    Delivery,
    Event,
    EventBus,
    Retry,
    TicketCreated,
    idempotent,
    run_consumer,
)
from tests.common.conftest import Counter
from tests.support.bus import publish, stream_messages
from tests.support.waiting import eventually

T = TypeVar("T")


def payload(ticket_id: str) -> dict[str, object]:
    return TicketCreated(id=ticket_id, version=0, title="Gig", price=500, user_id="u").wire()


def count_effects(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Counter)).one())


def apply_counter(session: Session, event: Event) -> None:
    assert isinstance(event, TicketCreated)
    session.add(Counter(ticket_id=event.id))


async def test_redelivered_event_has_no_second_effect(
    engine: Engine, bus: EventBus, nats_url: str
) -> None:
    inner = idempotent(engine, "svc", apply_counter)
    attempts: list[int] = []

    async def crash_before_ack_once(event: Event, delivery: Delivery) -> None:
        await inner(event, delivery)  # the effect commits...
        attempts.append(delivery.attempt)
        if delivery.attempt == 1:
            raise ConnectionError("...and the process dies before the ack")

    consumer = Consumer("svc", {"ticket.created": crash_before_ack_once})
    task = asyncio.create_task(run_consumer(bus, consumer))
    try:
        await publish(nats_url, "ticket.created", payload("t1"), msg_id="m1")
        await eventually(lambda: _value(attempts), lambda a: a == [1, 2], timeout=10)
        assert count_effects(engine) == 1
    finally:
        task.cancel()


async def test_replicas_share_a_durable_consumer(engine: Engine, nats_url: str) -> None:
    seen: Tally[str] = Tally()
    by_replica: Tally[int] = Tally()
    buses = [EventBus(nats_url, "EVENTS", client_name=f"replica{i}") for i in range(2)]
    tasks = []
    for i, bus in enumerate(buses):
        await bus.start()
        await bus.wait_ready(10)

        async def handle(event: Event, _: Delivery, replica: int = i) -> None:
            seen[event.id] += 1  # type: ignore[attr-defined]
            by_replica[replica] += 1
            await asyncio.sleep(0.01)  # simulated work, so both replicas get a share

        tasks.append(
            asyncio.create_task(run_consumer(bus, Consumer("shared", {"ticket.created": handle})))
        )
    try:
        for n in range(60):
            await publish(nats_url, "ticket.created", payload(f"t{n}"), msg_id=f"m{n}")
        await eventually(lambda: _value(sum(seen.values())), lambda total: total >= 60, timeout=20)
        assert set(seen.values()) == {1} and len(seen) == 60  # each event handled once
        assert by_replica[0] > 0 and by_replica[1] > 0  # ...and the work was shared
    finally:
        for task in tasks:
            task.cancel()
        for bus in buses:
            await bus.close()


async def test_retry_redelivers_until_applicable(bus: EventBus, nats_url: str) -> None:
    attempts: list[int] = []

    async def not_yet(event: Event, delivery: Delivery) -> None:
        attempts.append(delivery.attempt)
        if delivery.attempt < 3:
            raise Retry("earlier version missing", delay=0.05)

    task = asyncio.create_task(run_consumer(bus, Consumer("gap", {"ticket.created": not_yet})))
    try:
        await publish(nats_url, "ticket.created", payload("t1"), msg_id="m1")
        await eventually(lambda: _value(attempts), lambda a: a == [1, 2, 3], timeout=10)
    finally:
        task.cancel()


async def test_exhausted_deliveries_go_to_dead_letters(bus: EventBus, nats_url: str) -> None:
    async def always_fails(event: Event, delivery: Delivery) -> None:
        raise ValueError("poison")

    consumer = Consumer("doomed", {"ticket.created": always_fails}, max_deliver=2)
    task = asyncio.create_task(run_consumer(bus, consumer))
    try:
        await publish(nats_url, "ticket.created", payload("t1"), msg_id="m1")
        dead = await eventually(
            lambda: stream_messages(nats_url, stream="DEADLETTERS"),
            lambda m: len(m) == 1,
            timeout=10,
        )
        subject, body, headers = dead[0]
        assert subject == "deadletter.doomed"
        assert body["id"] == "t1"
        assert headers["Original-Subject"] == "ticket.created"
        assert "poison" in headers["Reason"]
    finally:
        task.cancel()


async def test_malformed_payload_is_dead_lettered_not_crashing(
    bus: EventBus, nats_url: str
) -> None:
    handled: list[str] = []

    async def handle(event: Event, _: Delivery) -> None:
        handled.append(event.id)  # type: ignore[attr-defined]

    consumer = Consumer("strict", {"ticket.created": handle}, max_deliver=1)
    task = asyncio.create_task(run_consumer(bus, consumer))
    try:
        await publish(nats_url, "ticket.created", {"id": "broken"}, msg_id="bad")
        await publish(nats_url, "ticket.created", payload("t2"), msg_id="good")
        await eventually(lambda: _value(handled), lambda h: h == ["t2"], timeout=10)
        await eventually(
            lambda: stream_messages(nats_url, stream="DEADLETTERS"), lambda m: len(m) == 1
        )
    finally:
        task.cancel()


async def _value(value: T) -> T:
    return value
