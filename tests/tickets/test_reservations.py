"""Order events reserve, release and sell tickets, whatever order they arrive in."""

import httpx
import pytest

from backend_services.tickets import domain
from backend_services.tickets.domain import Hold, Outcome, TicketStatus
from backend_services.tickets.main import create
from harness.apps import serve
from harness.people import Person
from tests.support.bus import stream_messages
from tests.support.waiting import eventually
from tests.tickets.conftest import tickets_settings
from tests.tickets.events import order_created, order_ended, send

API = "/api/tickets"


async def new_ticket(client: httpx.AsyncClient, seller: Person) -> str:
    response = await client.post(
        API, json={"title": "Opera", "price": 9000}, headers=seller.headers
    )
    assert response.status_code == 201
    return str(response.json()["id"])


async def state_of(client: httpx.AsyncClient, ticket_id: str) -> tuple[str, str | None, int]:
    ticket = (await client.get(f"{API}/{ticket_id}")).json()
    return ticket["status"], ticket["orderId"], ticket["version"]


async def settles_at(
    client: httpx.AsyncClient, ticket_id: str, expected: tuple[str, str | None, int]
) -> None:
    await eventually(lambda: state_of(client, ticket_id), lambda s: s == expected)


async def test_reserve_release_and_publish_ticket_updated(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await send(nats_url, "order.created", order_created("order-a", ticket_id))
    await settles_at(client, ticket_id, ("reserved", "order-a", 1))
    await send(nats_url, "order.cancelled", order_ended("order-a", ticket_id))
    await settles_at(client, ticket_id, ("available", None, 2))
    updates = await eventually(
        lambda: stream_messages(nats_url, "ticket.updated"), lambda m: len(m) == 2
    )
    assert [(p["version"], p["status"], p["orderId"]) for _, p, _ in updates] == [
        (1, "reserved", "order-a"),
        (2, "available", None),
    ]
    assert updates[0][1]["title"] == "Opera" and updates[0][1]["userId"] == seller.id


async def test_completed_order_sells_the_ticket(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await send(nats_url, "order.created", order_created("order-a", ticket_id))
    await send(nats_url, "order.completed", order_ended("order-a", ticket_id))
    await settles_at(client, ticket_id, ("sold", "order-a", 2))
    assert (await client.get(API)).json() == []


async def test_duplicate_deliveries_apply_once(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    created = order_created("order-a", ticket_id)
    msg_id = await send(nats_url, "order.created", created)
    await send(nats_url, "order.created", created, msg_id=msg_id)  # deduped by the stream
    await send(nats_url, "order.created", created)  # a second copy with a new id
    await send(nats_url, "order.cancelled", order_ended("order-a", ticket_id))
    await send(nats_url, "order.cancelled", order_ended("order-a", ticket_id))
    await settles_at(client, ticket_id, ("available", None, 2))
    await send(nats_url, "order.created", order_created("order-b", ticket_id))
    await settles_at(client, ticket_id, ("reserved", "order-b", 3))


async def test_cancellation_before_creation_waits_for_it(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await send(nats_url, "order.cancelled", order_ended("order-a", ticket_id))
    await send(nats_url, "order.created", order_created("order-a", ticket_id))
    await settles_at(client, ticket_id, ("available", None, 2))


async def test_stale_cancellation_does_not_release_the_next_buyers_hold(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await send(nats_url, "order.created", order_created("order-a", ticket_id))
    await send(nats_url, "order.cancelled", order_ended("order-a", ticket_id))
    await send(nats_url, "order.created", order_created("order-b", ticket_id))
    await settles_at(client, ticket_id, ("reserved", "order-b", 3))
    # A's cancellation again (e.g. a late timer re-publishing it): B keeps the ticket.
    await send(nats_url, "order.cancelled", order_ended("order-a", ticket_id))
    marker = await new_ticket(client, seller)  # events are handled in stream order: wait past it
    await send(nats_url, "order.created", order_created("order-m", marker))
    await settles_at(client, marker, ("reserved", "order-m", 1))
    assert await state_of(client, ticket_id) == ("reserved", "order-b", 3)


async def test_next_buyer_waits_until_the_previous_hold_is_released(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await send(nats_url, "order.created", order_created("order-a", ticket_id))
    await settles_at(client, ticket_id, ("reserved", "order-a", 1))
    # B's creation overtakes A's cancellation: it is retried until A lets go.
    await send(nats_url, "order.created", order_created("order-b", ticket_id))
    await send(nats_url, "order.cancelled", order_ended("order-a", ticket_id))
    await settles_at(client, ticket_id, ("reserved", "order-b", 3))


async def test_events_published_while_tickets_was_down_are_applied_on_start(
    database_url: str, nats_url: str, seller: Person
) -> None:
    settings = tickets_settings(database_url, nats_url)
    async with serve(create(settings)) as client:
        ticket_id = await new_ticket(client, seller)
    await send(nats_url, "order.created", order_created("order-a", ticket_id))
    await send(nats_url, "order.completed", order_ended("order-a", ticket_id))
    async with serve(create(settings)) as client:
        await settles_at(client, ticket_id, ("sold", "order-a", 2))


@pytest.mark.parametrize(
    ("transition", "hold", "expected"),
    [
        (
            domain.on_order_created,
            domain.AVAILABLE,
            (Outcome.CHANGED, Hold(TicketStatus.RESERVED, "a")),
        ),
        (
            domain.on_order_created,
            Hold(TicketStatus.RESERVED, "a"),
            (Outcome.UNCHANGED, Hold(TicketStatus.RESERVED, "a")),
        ),
        (
            domain.on_order_created,
            Hold(TicketStatus.RESERVED, "b"),
            (Outcome.WAIT, Hold(TicketStatus.RESERVED, "b")),
        ),
        (
            domain.on_order_created,
            Hold(TicketStatus.SOLD, "b"),
            (Outcome.UNCHANGED, Hold(TicketStatus.SOLD, "b")),
        ),
        (
            domain.on_order_cancelled,
            Hold(TicketStatus.RESERVED, "a"),
            (Outcome.CHANGED, domain.AVAILABLE),
        ),
        (
            domain.on_order_cancelled,
            Hold(TicketStatus.RESERVED, "b"),
            (Outcome.UNCHANGED, Hold(TicketStatus.RESERVED, "b")),
        ),
        (
            domain.on_order_cancelled,
            Hold(TicketStatus.SOLD, "a"),
            (Outcome.UNCHANGED, Hold(TicketStatus.SOLD, "a")),
        ),
        (domain.on_order_cancelled, domain.AVAILABLE, (Outcome.UNCHANGED, domain.AVAILABLE)),
        (
            domain.on_order_completed,
            Hold(TicketStatus.RESERVED, "a"),
            (Outcome.CHANGED, Hold(TicketStatus.SOLD, "a")),
        ),
        (
            domain.on_order_completed,
            Hold(TicketStatus.RESERVED, "b"),
            (Outcome.UNCHANGED, Hold(TicketStatus.RESERVED, "b")),
        ),
    ],
)
def test_hold_rules(
    transition: domain.Transition, hold: Hold, expected: tuple[Outcome, Hold]
) -> None:
    assert transition(hold, "a") == expected


async def test_late_events_of_an_old_order_leave_a_sold_ticket_alone(
    client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    ticket_id = await new_ticket(client, seller)
    await send(nats_url, "order.created", order_created("order-b", ticket_id))
    await send(nats_url, "order.completed", order_ended("order-b", ticket_id))
    await settles_at(client, ticket_id, ("sold", "order-b", 2))
    # Order A was created and cancelled before B; its events arrive only now.
    await send(nats_url, "order.created", order_created("order-a", ticket_id))
    await send(nats_url, "order.cancelled", order_ended("order-a", ticket_id))
    marker = await new_ticket(client, seller)
    await send(nats_url, "order.created", order_created("order-m", marker))
    await settles_at(client, marker, ("reserved", "order-m", 1))
    assert await state_of(client, ticket_id) == ("sold", "order-b", 2)
