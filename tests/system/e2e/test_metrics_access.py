"""Every service's /metrics parses on its own port; none is reachable through the ingress;
one order is one trace across the services' processes."""

from __future__ import annotations

import json
import time

import httpx

from contracts.topology import SERVICES
from tests.support.metrics import exposed_names, parse
from tests.system.conftest import Stack, eventually
from tests.system.e2e.test_through_ingress import list_ticket, reserve


def test_each_service_serves_metrics_on_its_port_and_never_through_the_ingress(
    stack: Stack,
) -> None:
    for service in SERVICES:
        own = httpx.get(f"http://127.0.0.1:{stack.ports[service.name]}/metrics", timeout=10)
        assert own.status_code == 200, service.name
        parse(own.text)  # Prometheus' own parser: raises unless valid exposition format
        expected = {"http_requests_total", "http_request_duration_seconds_count"}
        expected |= {"events_handled_total"} if service.consumes else set()
        expected |= {"outbox_pending_events"} if service.publishes and service.database else set()
        assert exposed_names(own.text) >= expected, service.name
    with stack.client() as client:
        paths = ["/metrics", *(f"{s.prefix}/metrics" for s in SERVICES if s.prefix)]
        for path in paths:
            response = client.get(path)
            assert "# TYPE http_requests_total" not in response.text, path


def test_one_order_through_the_ingress_is_one_trace_across_services(stack: Stack) -> None:
    """`make run OBSERVE=1`: the spans of one order, from orders, tickets and expiration
    processes, share one trace id in the trace sink's file."""
    seller, buyer = stack.user("seller"), stack.user("buyer")
    ticket = list_ticket(seller, title="Traced gig")
    placed_after = time.time_ns()  # spans carry wall-clock nanoseconds
    placed = reserve(buyer, ticket["id"])
    assert placed.status_code == 201, placed.text
    path = stack.var / "traces.jsonl"

    def spans() -> list[dict]:
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def created(found: list[dict]) -> dict | None:
        return next(
            (
                s
                for s in found
                if s["service"] == "orders"
                and s["name"] == "POST /api/orders"
                and s["attributes"].get("http.response.status_code") == 201
                and s["start"] >= placed_after
            ),
            None,
        )

    found = eventually(spans, lambda f: _hops(f, created(f)) >= {"tickets", "expiration"}, 60)
    request = created(found)
    assert request is not None
    assert _hops(found, request) >= {"orders", "tickets", "expiration"}


def _hops(found: list[dict], request: dict | None) -> set[str]:
    """The services with a span in the request's trace."""
    if request is None:
        return set()
    return {s["service"] for s in found if s["traceId"] == request["traceId"]}
