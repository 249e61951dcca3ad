"""A local stand-in for the OpenTelemetry Collector: OTLP/HTTP traces in, JSON lines out.

`make run OBSERVE=1` starts it and points every service's OTEL_EXPORTER_OTLP_ENDPOINT
at it (no collector binary or image is needed offline). Each span becomes one line
of `var/traces.jsonl`; one order's trace is then

    jq -c 'select(.traceId == "<id>") | [.service, .name]' var/traces.jsonl

On Kubernetes the real Collector takes the same requests (docs/operations.md).

    python scripts/trace_sink.py --port 4318 --out var/traces.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

TRACES_PATH = "/v1/traces"
KINDS = {v: k.removeprefix("SPAN_KIND_").lower() for k, v in Span.SpanKind.items()}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind in {"string_value", "int_value", "bool_value"} else None


def _attributes(pairs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in pairs if isinstance(kv, KeyValue)}


def span_lines(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    lines = []
    for resource_spans in request.resource_spans:
        service = _attributes(resource_spans.resource.attributes).get("service.name")
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                lines.append(
                    {
                        "traceId": span.trace_id.hex(),
                        "spanId": span.span_id.hex(),
                        "parentSpanId": span.parent_span_id.hex() or None,
                        "service": service,
                        "name": span.name,
                        "kind": KINDS.get(span.kind, "unspecified"),
                        "start": span.start_time_unix_nano,
                        "end": span.end_time_unix_nano,
                        "attributes": _attributes(span.attributes),
                    }
                )
    return lines


def make_server(port: int, out: Path) -> ThreadingHTTPServer:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if self.path != TRACES_PATH:
                self.send_error(404)
                return
            request = ExportTraceServiceRequest.FromString(body)
            text = "".join(json.dumps(line) + "\n" for line in span_lines(request))
            with lock, out.open("a") as file:
                file.write(text)
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per export batch would drown the stack's output

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--out", type=Path, default=Path("var/traces.jsonl"))
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    server = make_server(args.port, args.out)
    print(f"OTLP/HTTP traces on http://127.0.0.1:{args.port}{TRACES_PATH} -> {args.out}")
    server.serve_forever()


if __name__ == "__main__":
    main()
