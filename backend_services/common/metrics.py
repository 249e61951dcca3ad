"""Prometheus metrics of one service: its own registry, `/metrics`, and the HTTP counters.

Each app has its own `CollectorRegistry` (several services share a process in the
tests), exposed at the root path `/metrics`: the ingress routes only `/api/<prefix>`
to a service, so the endpoint is reachable by Prometheus inside the cluster (pod
annotations) and never through the public entry point. Requests are labelled by
route template (`/api/orders/{order_id}`), never the raw path, so the series stay few.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client import Histogram as PromHistogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import Scope

from .events.metrics import EventMetrics
from .threads import in_thread

METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"  # a 404 for a path no route has: one series, not one per path
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """Everything one service counts; services add theirs with `counter` and `gauge`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = PromHistogram(
            "http_request_duration_seconds",
            "Time from the request to the end of the response, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.events = EventMetrics(self.registry)
        self._counters: dict[str, Counter] = {}

    def counter(self, name: str, doc: str, labels: Sequence[str] = ()) -> Counter:
        """The service's counter `name`, made on first use (safe to call per request)."""
        found = self._counters.get(name)
        if found is None:
            found = Counter(name, doc, list(labels), registry=self.registry)
            self._counters[name] = found
        return found

    def gauge(self, name: str, doc: str, read: Callable[[], float]) -> None:
        """A gauge read at scrape time (e.g. a count in the database): `read` runs in a
        worker thread; when it fails the sample is left out, the scrape still answers."""
        self.registry.register(_ReadAtScrape(name, doc, read))

    def add(self, collector: Collector) -> None:
        self.registry.register(collector)

    async def exposition(self) -> bytes:
        return await in_thread(generate_latest, self.registry)


class _ReadAtScrape(Collector):
    def __init__(self, name: str, doc: str, read: Callable[[], float]) -> None:
        self.name, self.doc, self.read = name, doc, read

    def describe(self) -> list[Metric]:
        return [GaugeMetricFamily(self.name, self.doc)]

    def collect(self) -> Iterator[Metric]:
        try:
            value = float(self.read())
        except Exception:
            return
        yield GaugeMetricFamily(self.name, self.doc, value=value)


def install_metrics(app: FastAPI, metrics: Metrics) -> None:
    """`/metrics` on the app (requests are counted by `edge.Edge`)."""

    async def metrics_endpoint() -> Response:
        return Response(await metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(METRICS_PATH, metrics_endpoint, include_in_schema=False)


def route_template(scope: Scope) -> str:
    """The matched route's path template, with its router's prefix.

    FastAPI >= 0.165 includes routers lazily: `scope["route"]` is then the router's
    own route (no prefix) and the prefixed template is in its effective route
    context; before, the route itself carried the prefix. tests/orders/test_metrics.py
    pins the result, so an upgrade that moves it fails there.
    """
    effective = scope.get("fastapi", {}).get("effective_route_context")
    path = getattr(effective, "path_format", None) or getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED
