"""Every service's /metrics parses on its own port; none is reachable through the ingress."""

from __future__ import annotations

import httpx

from contracts.topology import SERVICES
from tests.support.metrics import exposed_names, parse
from tests.system.conftest import Stack


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
