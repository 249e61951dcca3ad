"""OTEL_EXPORTER_OTLP_ENDPOINT turns traces on: a service process exports its request
spans over OTLP/HTTP, here to the sink `make run OBSERVE=1` starts (scripts/trace_sink.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.topology import by_name
from harness import servers

sys.path.insert(0, str(servers.REPO / "scripts"))
import trace_sink

ORDERS = by_name("orders")


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port, out = servers.free_port(), tmp_path / "traces.jsonl"
    server = trace_sink.make_server(port, out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port, out
    finally:
        server.shutdown()
        server.server_close()


def spans(out: Path) -> list[dict]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_a_service_exports_its_request_spans_when_an_endpoint_is_set(
    sink: tuple[int, Path], tmp_path: Path
) -> None:
    sink_port, out = sink
    port = servers.free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "JWT_KEY": "k" * 48,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'orders.db'}",
        "NATS_URL": f"nats://127.0.0.1:{servers.free_port()}",  # reported, never a gate
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{sink_port}",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export batches every 0.1 s, not every 5 s
    }
    log = tmp_path / "orders.log"
    with log.open("wb") as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "backend_services", ORDERS.name],
            cwd=servers.REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}{ORDERS.prefix}"
        deadline = time.monotonic() + 60
        while _status(f"{base}/readyz") != 200:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        assert httpx.get(base, timeout=5).status_code == 401  # signed out: still a span
        while not [s for s in spans(out) if s["name"] == f"GET {ORDERS.prefix}"]:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    request = next(s for s in spans(out) if s["name"] == f"GET {ORDERS.prefix}")
    assert request["service"] == "orders"
    assert request["kind"] == "server"
    assert len(request["traceId"]) == 32 and request["parentSpanId"] is None
    assert not [s for s in spans(out) if s["name"].endswith(("/readyz", "/healthz"))]


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.TransportError:
        return None
