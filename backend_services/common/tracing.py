"""Traces (OpenTelemetry) across HTTP and NATS, so one order is one trace.

FastAPI's own telemetry (`FastAPI(telemetry=...)`, on once a tracer provider is
installed) makes the server span of each request, continuing a caller's
`traceparent`. `record()` keeps
the trace context of the transaction that wrote an event (its W3C `traceparent`)
in the outbox row; the relay publishes it in the message's headers under a
`<subject> publish` span, and every consumer handles the message under a
`<subject> process` span that continues that trace. Events a consumer records in
turn carry the consumer's context, so the chain goes on
(orders → tickets → orders, orders → expiration, ...).

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set (OTLP over HTTP, e.g. an
OpenTelemetry Collector on :4318) or an SDK tracer provider is already installed
(a test's in-memory exporter); otherwise FastAPI's telemetry stays off and the
API's no-op tracer costs next to nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi.telemetry import TelemetryConfig
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind

log = logging.getLogger(__name__)

TRACER = "backend_services"
UNTRACED = ("/healthz", "/readyz", "/metrics")


def _untraced(scope: Any) -> bool:
    # Probes and scrapes every few seconds would drown the traces worth reading.
    return str(scope.get("path", "")).endswith(UNTRACED)


# Request spans only: Prometheus has the metrics, our logging the logs, and spans per
# dependency and serialisation would cost more than they tell.
FASTAPI_TELEMETRY: TelemetryConfig = {
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "exclude": _untraced,
}


def _tracer() -> trace.Tracer:
    # Looked up per use, not kept: whatever provider is installed now (a test swaps it).
    return trace.get_tracer(TRACER)


def enabled() -> bool:
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def configure(service: str, otlp_endpoint: str) -> None:
    """Install the OTLP exporter once per process when an endpoint is set."""
    if otlp_endpoint and not enabled():
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
        provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        log.info("traces exported to %s", otlp_endpoint)


def current_headers() -> dict[str, str] | None:
    """The active trace context as message headers (`traceparent`, ...), None outside one."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier or None


@contextlib.contextmanager
def publishing(subject: str, stored: Mapping[str, str] | None) -> Iterator[dict[str, str]]:
    """A producer span under the recorded context; yields the headers to publish with."""
    parent = propagate.extract(dict(stored or {}))
    with _tracer().start_as_current_span(
        f"{subject} publish",
        context=parent,
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "nats", "messaging.destination.name": subject},
    ):
        yield current_headers() or {}


@contextlib.contextmanager
def consuming(
    consumer: str, subject: str, headers: Mapping[str, str] | None, attempt: int
) -> Iterator[None]:
    """The consumer span, a child of the publisher's (from the message's headers)."""
    parent = propagate.extract(dict(headers or {}))
    with _tracer().start_as_current_span(
        f"{subject} process",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "nats",
            "messaging.destination.name": subject,
            "messaging.consumer.group.name": consumer,
            "messaging.message.delivery_attempt": attempt,
        },
    ):
        yield


def log_ids() -> dict[str, str]:
    """trace_id and span_id of the active span, for log lines (empty outside one)."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
