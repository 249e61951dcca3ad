"""The Grafana dashboard (`infra/grafana/ticketing.json`, written by `make generate`).

RED per service (rate, errors, duration by route template), the orders' holds by
outcome, and the event pipeline (outbox backlog, publishes, consumer outcomes,
redeliveries, dead letters). Every query groups by the `service` label, which the
scrape configuration sets (docs/operations.md: the pod's `app.kubernetes.io/name`
on Kubernetes, a static label locally). Import it in Grafana with a Prometheus
data source; tests/orders/test_metrics.py checks every metric named here is one
the services expose.
"""

from __future__ import annotations

import json
from typing import Any

Panel = dict[str, Any]

NOT_PROBES = 'route!~".*/(healthz|readyz)|/metrics"'
WINDOW = "[5m]"


def _panel(
    title: str, exprs: dict[str, str], unit: str = "short", kind: str = "timeseries"
) -> Panel:
    targets = [
        {"expr": expr, "legendFormat": legend, "refId": chr(ord("A") + i)}
        for i, (legend, expr) in enumerate(exprs.items())
    ]
    return {
        "type": kind,
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": targets,
    }


def _row(title: str) -> Panel:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def panels() -> list[Panel]:
    rate = f"rate(http_requests_total{{{NOT_PROBES}}}{WINDOW})"
    return [
        _row("Requests (RED)"),
        _panel("Requests per second", {"{{service}}": f"sum by (service) ({rate})"}, "reqps"),
        _panel(
            "Server errors (5xx share of requests)",
            {
                "{{service}}": (
                    f'sum by (service) (rate(http_requests_total{{status=~"5.."}}{WINDOW}))'
                    f" / sum by (service) ({rate})"
                )
            },
            "percentunit",
        ),
        _panel(
            "Latency p95 by route",
            {
                "{{service}} {{route}}": (
                    "histogram_quantile(0.95, sum by (service, route, le) "
                    f"(rate(http_request_duration_seconds_bucket{{{NOT_PROBES}}}{WINDOW})))"
                )
            },
            "s",
        ),
        _panel(
            "Client errors by route and status",
            {
                "{{service}} {{route}} {{status}}": (
                    "sum by (service, route, status) "
                    f'(rate(http_requests_total{{status=~"4.."}}{WINDOW}))'
                )
            },
            "reqps",
        ),
        _row("Holds (orders)"),
        _panel(
            "Hold attempts by outcome",
            {"{{outcome}}": f"sum by (outcome) (rate(orders_hold_attempts_total{WINDOW}))"},
            "reqps",
        ),
        # Every replica reads the same database: max, not sum.
        _panel("Holds awaiting payment", {"active": "max(orders_holds_active)"}, kind="stat"),
        _panel("Hold timers pending", {"timers": "max(expiration_timers_pending)"}, kind="stat"),
        _row("Events"),
        _panel(
            "Outbox backlog",
            {
                "{{service}} pending": "max by (service) (outbox_pending_events)",
                "{{service}} oldest (s)": "max by (service) (outbox_oldest_pending_seconds)",
            },
        ),
        _panel(
            "Published and failed publishes",
            {
                "{{subject}}": f"sum by (subject) (rate(events_published_total{WINDOW}))",
                "{{subject}} failed": (
                    f"sum by (subject) (rate(events_publish_failures_total{WINDOW}))"
                ),
            },
            "ops",
        ),
        _panel(
            "Deliveries by consumer and outcome",
            {
                "{{consumer}} {{outcome}}": (
                    f"sum by (consumer, outcome) (rate(events_handled_total{WINDOW}))"
                ),
                "{{consumer}} redelivered": (
                    f"sum by (consumer) (rate(events_redelivered_total{WINDOW}))"
                ),
            },
            "ops",
        ),
        _panel(
            "Dead letters (last hour)",
            {"{{consumer}}": "sum by (consumer) (increase(events_dead_lettered_total[1h]))"},
        ),
        _panel(
            "Handling time p95 by consumer",
            {
                "{{consumer}}": (
                    "histogram_quantile(0.95, sum by (consumer, le) "
                    f"(rate(events_handle_duration_seconds_bucket{WINDOW})))"
                )
            },
            "s",
        ),
    ]


def _laid_out(items: list[Panel]) -> list[Panel]:
    """Rows full width; panels two to a line, 12 columns by 8 rows each."""
    y, x, out = 0, 0, []
    for i, panel in enumerate(items):
        if panel["type"] == "row":
            y, x = y + (8 if x else 0), 0
            out.append({**panel, "id": i + 1, "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}})
            y += 1
            continue
        out.append({**panel, "id": i + 1, "gridPos": {"h": 8, "w": 12, "x": x, "y": y}})
        y, x = (y + 8, 0) if x else (y, 12)
    return out


def dashboard() -> dict[str, Any]:
    return {
        "uid": "ticketing",
        "title": "Ticketing marketplace",
        "tags": ["ticketing"],
        "timezone": "utc",
        "refresh": "30s",
        "schemaVersion": 39,
        "time": {"from": "now-1h", "to": "now"},
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]
        },
        "panels": _laid_out(panels()),
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


def queries() -> list[str]:
    return [t["expr"] for p in panels() for t in p.get("targets", [])]
