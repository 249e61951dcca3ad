"""The bus as an attacker meets it: real nats-server with the generated users (infra/access.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import NoServersError
from nats.js.api import ConsumerConfig, DeliverPolicy

from contracts.events import Subject
from contracts.topology import SERVICES, UI_NAME, bus_inbox_prefix, by_name
from harness import servers
from infra import access
from tests.support.bus import reset_streams, stream_messages

STREAM = "EVENTS"


@pytest.fixture
async def bus(nats_server: servers.Server, nats_url: str) -> AsyncIterator[servers.Server]:
    """The test NATS with both streams present (as the services create them)."""
    from backend_services.common.events import EventBus

    await reset_streams(nats_url)
    maker = EventBus(nats_url, STREAM, "test-setup")
    await maker.start()
    await maker.wait_ready(10)
    await maker.close()
    yield nats_server


async def connect_as(server: servers.Server, user: str, password: str | None = None) -> NATS:
    errors: list[Exception] = []

    async def on_error(exc: Exception) -> None:
        errors.append(exc)

    nc = await nats.connect(
        servers=[f"nats://127.0.0.1:{server.port}"],
        user=user,
        password=server.passwords[user] if password is None else password,
        inbox_prefix=bus_inbox_prefix(user),
        allow_reconnect=False,
        connect_timeout=2,
        error_cb=on_error,
    )
    nc._test_errors = errors  # type: ignore[attr-defined]
    return nc


async def publish_refused(nc: NATS, subject: str) -> bool:
    """A JetStream publish that the server refuses: no ack arrives, a permissions error does."""
    js = nc.jetstream(timeout=1)
    errors: list[Exception] = nc._test_errors  # type: ignore[attr-defined]
    seen = len(errors)
    try:
        await js.publish(subject, json.dumps({"orderId": "x"}).encode())
    except Exception:
        violations = [e for e in errors[seen:] if "permissions violation" in str(e).lower()]
        return bool(violations)
    return False


async def stored(nats_url: str, subject: str) -> int:
    return len(await stream_messages(nats_url, subject))


async def test_anonymous_client_is_refused(nats_server: servers.Server) -> None:
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await nats.connect(
            servers=[f"nats://127.0.0.1:{nats_server.port}"],
            allow_reconnect=False,
            connect_timeout=2,
            max_reconnect_attempts=0,
        )


async def test_a_service_off_the_bus_has_no_identity(nats_server: servers.Server) -> None:
    off = [s.name for s in SERVICES if not access.on_bus(s)]
    assert off and not set(off) & set(nats_server.passwords)  # auth publishes nothing


async def test_wrong_password_is_refused(nats_server: servers.Server) -> None:
    with pytest.raises((NoServersError, nats.errors.Error, OSError)):
        await connect_as(nats_server, "payments", password="guessed-password")


async def test_tickets_cannot_forge_a_payment(bus: servers.Server, nats_url: str) -> None:
    nc = await connect_as(bus, "tickets")
    try:
        for subject in ("payment.created", "order.cancelled", "expiration.complete"):
            assert await publish_refused(nc, subject), subject
        # Its own subject goes through: the refusal above is the permission, not the setup.
        ack = await nc.jetstream(timeout=2).publish(
            "ticket.created", b"{}", headers={"Nats-Msg-Id": "own-subject"}
        )
        assert ack.stream == STREAM
    finally:
        await nc.close()
    assert await stored(nats_url, "payment.created") == 0
    assert await stored(nats_url, "ticket.created") == 1


async def test_each_service_publishes_exactly_its_subjects(
    bus: servers.Server, nats_url: str
) -> None:
    for service in (s for s in SERVICES if access.on_bus(s)):
        nc = await connect_as(bus, service.name)
        try:
            for subject in Subject:
                refused = await publish_refused(nc, subject.value)
                assert refused == (subject not in service.publishes), (service.name, subject)
        finally:
            await nc.close()


async def test_ui_identity_can_only_subscribe(bus: servers.Server, nats_url: str) -> None:
    nc = await connect_as(bus, UI_NAME)
    try:
        for subject in Subject:
            assert await publish_refused(nc, subject.value), subject
        # What it is for: an ordered consumer delivering new events to it.
        got: asyncio.Queue[str] = asyncio.Queue()

        async def on_msg(msg: Msg) -> None:
            await got.put(msg.subject)

        await nc.jetstream().subscribe(
            "",
            stream=STREAM,
            cb=on_msg,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
            config=ConsumerConfig(filter_subjects=[s.value for s in access.UI_CONSUMES]),
        )
        tickets = await connect_as(bus, "tickets")
        try:
            await tickets.jetstream().publish("ticket.updated", b"{}")
        finally:
            await tickets.close()
        assert await asyncio.wait_for(got.get(), 10) == "ticket.updated"
    finally:
        await nc.close()


async def test_ui_cannot_touch_durable_consumers_or_streams(bus: servers.Server) -> None:
    nc = await connect_as(bus, UI_NAME)
    try:
        jsm = nc.jsm()
        with pytest.raises(Exception):  # noqa: B017 - a permissions violation, as a timeout
            await asyncio.wait_for(jsm.delete_stream(STREAM), 2)
        with pytest.raises(Exception):  # noqa: B017
            await asyncio.wait_for(
                jsm.add_consumer(STREAM, ConsumerConfig(durable_name="orders")), 2
            )
    finally:
        await nc.close()


async def test_a_service_cannot_read_another_services_consumer(bus: servers.Server) -> None:
    # tickets may not bind to (and so drain) the durable consumer of payments.
    nc = await connect_as(bus, "tickets")
    try:
        with pytest.raises(Exception):  # noqa: B017
            sub = await nc.jetstream(timeout=1).pull_subscribe_bind("payments", stream=STREAM)
            await sub.fetch(1, timeout=1)
    finally:
        await nc.close()


async def test_ui_cannot_redirect_a_consumer_into_the_stream(
    bus: servers.Server, nats_url: str
) -> None:
    """A push consumer delivering to `payment.created` would store forged events:
    JetStream refuses a deliver subject inside the stream's own subjects."""
    tickets = await connect_as(bus, "tickets")
    try:
        await tickets.jetstream().publish("ticket.created", b'{"id": "t1"}')
    finally:
        await tickets.close()
    nc = await connect_as(bus, UI_NAME)
    try:
        config = ConsumerConfig(deliver_subject="payment.created", filter_subject="ticket.>")
        with pytest.raises(Exception, match="cycle"):
            await nc.jsm().add_consumer(STREAM, config)
    finally:
        await nc.close()
    assert await stored(nats_url, "payment.created") == 0


async def test_dead_letters_only_under_its_own_name(bus: servers.Server) -> None:
    orders = by_name("orders")
    nc = await connect_as(bus, orders.name)
    try:
        assert not await publish_refused(nc, f"deadletter.{orders.name}")
        assert await publish_refused(nc, "deadletter.payments")
    finally:
        await nc.close()
