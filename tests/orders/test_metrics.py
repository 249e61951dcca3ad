"""orders' /metrics after real requests: RED by route template, hold outcomes, events."""

import re
import sys

from harness.people import Person
from harness.servers import REPO, free_port
from tests.orders.support import API, Orders, orders_settings, running
from tests.orders.test_orders_api import listed, place
from tests.support.metrics import Samples, exposed_names, scrape, value
from tests.support.waiting import eventually


async def test_metrics_count_requests_by_route_template_and_holds_by_outcome(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    client = orders.client
    ticket_id = await listed(orders, nats_url, seller)

    held = await place(client, buyer, ticket_id)
    assert held.status_code == 201
    assert (await place(client, Person("rival"), ticket_id)).status_code == 409
    assert (await place(client, buyer, "no-such-ticket")).status_code == 404
    order_id = held.json()["id"]
    assert (await client.get(f"{API}/{order_id}", headers=buyer.headers)).status_code == 200
    assert (await client.get(f"{API}/{order_id}")).status_code == 401

    samples = await scrape(client)

    def requests(method: str, route: str, status: str) -> float:
        return value(samples, "http_requests_total", method=method, route=route, status=status)

    assert requests("POST", API, "201") == 1
    assert requests("POST", API, "409") == 1
    assert requests("POST", API, "404") == 1
    assert requests("GET", f"{API}/{{order_id}}", "200") == 1  # the template, not the id
    assert requests("GET", f"{API}/{{order_id}}", "401") == 1
    assert not [labels for name, labels in samples if order_id in str(labels)]
    count = value(samples, "http_request_duration_seconds_count", method="POST", route=API)
    assert count == 3

    holds = {o: value(samples, "orders_hold_attempts_total", outcome=o) for o in OUTCOMES}
    assert holds == {"held": 1, "reserved": 1, "sold": 0, "fair_use": 0, "not_found": 1}
    assert value(samples, "orders_holds_active") == 1
    handled = {"consumer": "orders", "subject": "ticket.created", "outcome": "ack"}

    # order.created leaves through the outbox: published, and the backlog drains to 0;
    # the ticket.created delivery is counted once acked (just after the replica commits).
    def drained(s: Samples) -> bool:
        published = value(s, "events_published_total", subject="order.created")
        acked = value(s, "events_handled_total", **handled)
        return published == 1 and value(s, "outbox_pending_events") == 0 and acked == 1

    after = await eventually(lambda: scrape(client), drained)
    assert value(after, "outbox_oldest_pending_seconds") == 0


OUTCOMES = ("held", "reserved", "sold", "fair_use", "not_found")


async def test_metrics_answer_while_the_database_is_unreachable(nats_url: str) -> None:
    """Prometheus scrapes every pod, ready or not: /metrics is never the startup 503, and
    a backlog that cannot be read is left out rather than failing the scrape."""
    nowhere = f"postgresql+psycopg://orders@127.0.0.1:{free_port()}/orders"
    async with running(orders_settings(nowhere, nats_url), migrated=False) as orders:
        assert (await orders.client.get(API)).status_code == 503
        samples = await scrape(orders.client)
    assert value(samples, "http_requests_total", method="GET", route="unmatched", status="503")
    assert not [name for name, _ in samples if name.startswith("outbox_")]


async def test_the_dashboard_queries_only_metrics_orders_exposes(orders: Orders) -> None:
    """orders has every kind of metric (HTTP, holds, outbox, consumer): a renamed
    metric or a typo in infra/dashboard.py fails here, not on an empty panel."""
    sys.path.insert(0, str(REPO / "infra"))
    import dashboard

    exposed = exposed_names((await orders.client.get("/metrics")).text)
    named = {n for q in dashboard.queries() for n in re.findall(r"\b[a-z]+_[a-z_]+\b", q)}
    # expiration's own: tests/expiration/test_metrics.py
    functions = {"histogram_quantile", "expiration_timers_pending"}
    assert named - functions <= exposed, sorted(named - functions - exposed)
    assert {"orders_hold_attempts_total", "outbox_pending_events"} <= named
