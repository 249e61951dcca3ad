"""One order is one trace: HTTP into orders, then through the outbox and NATS headers
into tickets and expiration, back into orders with the ticket's update, and through
the hold timer (an arq job in Redis) when it fires.

Spans go to an in-memory exporter: what is tested is our propagation (the outbox
row keeps the context, the relay sends it, consumers continue it), not the SDK.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from opentelemetry.util._once import Once

from backend_services.expiration.main import create as create_expiration
from backend_services.tickets.main import create as create_tickets
from harness.apps import serve
from harness.people import Person
from harness.servers import sibling_database
from tests.expiration.conftest import expiration_settings
from tests.orders.support import API as ORDERS
from tests.orders.support import Orders, orders_settings, running
from tests.support.waiting import eventually
from tests.tickets.conftest import tickets_settings

TICKETS = "/api/tickets"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """An SDK tracer provider for this test only (what opentelemetry-test-utils'
    reset_trace_globals does), so the rest of the suite runs untraced as in production."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        trace._TRACER_PROVIDER_SET_ONCE = Once()
        trace._TRACER_PROVIDER = None


@pytest.fixture
async def services(
    spans: InMemorySpanExporter, database_url: str, nats_url: str, redis_url: str
) -> AsyncIterator[tuple[object, Orders]]:
    orders_db = sibling_database(database_url, "orders")
    async with (
        serve(create_tickets(tickets_settings(database_url, nats_url))) as tickets,
        # Holds of 2 s: the timer fires within the test, and its event joins the trace.
        running(orders_settings(orders_db, nats_url, expiration_window_seconds=2)) as orders,
        serve(create_expiration(expiration_settings(nats_url, redis_url))),
    ):
        yield tickets, orders


def consumed(spans: list[ReadableSpan], subject: str, consumer: str) -> ReadableSpan | None:
    return next(
        (
            s
            for s in spans
            if s.kind is SpanKind.CONSUMER
            and s.name == f"{subject} process"
            and (s.attributes or {}).get("messaging.consumer.group.name") == consumer
        ),
        None,
    )


async def test_one_order_is_one_trace_across_http_and_nats(
    services: tuple[object, Orders], spans: InMemorySpanExporter
) -> None:
    tickets, orders = services
    seller, buyer = Person("seller"), Person("buyer")
    listed = await tickets.post(  # type: ignore[attr-defined]
        TICKETS, json={"title": "Traced", "price": 3000}, headers=seller.headers
    )
    ticket_id = listed.json()["id"]
    await orders.replica_at(ticket_id, 0)
    spans.clear()

    placed = await orders.client.post(ORDERS, json={"ticketId": ticket_id}, headers=buyer.headers)
    assert placed.status_code == 201
    hops = {
        "tickets": ("order.created", "tickets"),  # tickets reserves the ticket...
        "expiration": ("order.created", "expiration"),  # ...expiration starts the timer...
        "orders": ("ticket.updated", "orders"),  # ...and the reservation comes back;
        "timer": ("expiration.complete", "orders"),  # the timer fires: orders cancels
    }

    def all_hops(found: list[ReadableSpan]) -> bool:
        return all(consumed(found, *hop) for hop in hops.values())

    async def finished() -> list[ReadableSpan]:
        return list(spans.get_finished_spans())

    found = await eventually(finished, all_hops, timeout=20)
    request = next(s for s in found if s.kind is SpanKind.SERVER and s.name == f"POST {ORDERS}")
    trace_id = request.context.trace_id
    for service, hop in hops.items():
        span = consumed(found, *hop)
        assert span is not None and span.context.trace_id == trace_id, service
    # One publish (more if NATS refused one: each retry is a span of the same trace),
    # a child of the request's span through the context kept in the outbox row.
    published = [s for s in found if s.name == "order.created publish"]
    assert published and {s.context.trace_id for s in published} == {trace_id}
    assert {s.parent.span_id for s in published if s.parent} == {request.context.span_id}
