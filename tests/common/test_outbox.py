import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy.engine import Engine

from backend_services.common.db import transaction
from backend_services.common.events import EventBus, OutboxRelay, TicketCreated, record
from backend_services.common.events.bus import Outgoing
from backend_services.common.events.outbox import pending_count
from harness.servers import Server
from tests.support.bus import stream_messages
from tests.support.waiting import eventually


def ticket(i: int = 1) -> TicketCreated:
    return TicketCreated(id=f"t{i}", version=0, title=f"Show {i}", price=1000 + i, user_id="u1")


async def test_committed_event_is_published_with_its_id(
    engine: Engine, bus: EventBus, nats_url: str
) -> None:
    with transaction(engine) as session:
        msg_id = record(session, ticket())
    assert await OutboxRelay(engine, bus).publish_pending() == 1
    [(subject, payload, headers)] = await stream_messages(nats_url)
    assert subject == "ticket.created"
    assert payload == {
        **{"id": "t1", "version": 0, "title": "Show 1", "price": 1001, "userId": "u1"},
        **{"eventId": None, "allInPrice": None, "listingId": None, "hasFile": None},
        **{"section": None, "row": None, "seat": None},
    }
    assert headers["Nats-Msg-Id"] == msg_id
    assert pending_count(engine) == 0


async def test_rolled_back_change_publishes_nothing(
    engine: Engine, bus: EventBus, nats_url: str
) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        record(session, ticket())
        raise RuntimeError("the business change failed")
    assert pending_count(engine) == 0
    assert await OutboxRelay(engine, bus).publish_pending() == 0


async def test_events_keep_their_order(engine: Engine, bus: EventBus, nats_url: str) -> None:
    for i in range(5):
        with transaction(engine) as session:
            record(session, ticket(i))
    await OutboxRelay(engine, bus).publish_pending()
    assert [p["id"] for _, p, _ in await stream_messages(nats_url)] == [f"t{i}" for i in range(5)]


async def test_republish_after_crash_is_deduplicated(
    engine: Engine, bus: EventBus, nats_url: str
) -> None:
    with transaction(engine) as session:
        msg_id = record(session, ticket())
    # The relay published, then crashed before marking the row: it publishes again.
    await bus.publish("ticket.created", b'{"id":"t1"}', msg_id=msg_id)
    await OutboxRelay(engine, bus).publish_pending()
    assert len(await stream_messages(nats_url)) == 1


async def test_relay_is_woken_by_commit(engine: Engine, bus: EventBus, nats_url: str) -> None:
    relay = OutboxRelay(engine, bus, poll_seconds=60)  # only a wake-up can publish in time
    task = asyncio.create_task(relay.run())
    try:

        async def started() -> bool:
            return relay.wakeup.bound

        await eventually(started)
        with transaction(engine) as session:
            record(session, ticket())
        await eventually(lambda: stream_messages(nats_url), lambda m: len(m) == 1, timeout=5)
    finally:
        task.cancel()


async def test_events_survive_nats_outage_and_relay_restart(
    engine: Engine, nats_server: Server, nats_url: str
) -> None:
    bus = EventBus(nats_url, "EVENTS", client_name="outage")
    await bus.start()
    await bus.wait_ready(10)
    task: asyncio.Task[None] | None = None
    try:
        nats_server.kill()
        for i in range(3):
            with transaction(engine) as session:
                record(session, ticket(i))
        await eventually(lambda: _connected(bus), lambda up: not up)
        assert await OutboxRelay(engine, bus).publish_pending() == 0
        assert pending_count(engine) == 3  # nothing lost while NATS is down
        nats_server.start()
        task = asyncio.create_task(OutboxRelay(engine, bus, poll_seconds=0.1).run())
        messages = await eventually(
            lambda: stream_messages(nats_url), lambda m: len(m) == 3, timeout=20
        )
        assert [p["id"] for _, p, _ in messages] == ["t0", "t1", "t2"]
        assert pending_count(engine) == 0
    finally:
        if task is not None:
            task.cancel()
        await bus.close()


async def _connected(bus: EventBus) -> bool:
    return bus.connected


async def test_no_transaction_is_open_while_nats_answers(
    engine: Engine, bus: EventBus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer commits while the relay waits for JetStream (on SQLite, a relay
    holding its write transaction meanwhile would block it until the wait ran out)."""
    with transaction(engine) as session:
        record(session, ticket(1))
    publish = bus.publish_in_order

    def write() -> None:
        with transaction(engine) as session:
            record(session, ticket(2))

    async def with_a_writer_meanwhile(messages: Sequence[Outgoing]) -> int:
        await asyncio.wait_for(asyncio.to_thread(write), 5)
        return await publish(messages)

    monkeypatch.setattr(bus, "publish_in_order", with_a_writer_meanwhile)
    assert await OutboxRelay(engine, bus).publish_pending() == 1
    assert pending_count(engine) == 1  # written meanwhile: the next pass publishes it


async def test_a_pipelined_batch_counts_up_to_its_first_failure(
    bus: EventBus, nats_url: str
) -> None:
    batch = [
        Outgoing("ticket.created", b'{"id":"a"}', "m1"),
        Outgoing("nostream.here", b"{}", "m2"),  # no stream takes it: no ack
        Outgoing("ticket.created", b'{"id":"c"}', "m3"),
    ]
    assert await bus.publish_in_order(batch) == 1
    assert await bus.publish_in_order(batch[:1]) == 1  # a repeat: acked, deduplicated
    assert [p["id"] for _, p, _ in await stream_messages(nats_url)] == ["a", "c"]
