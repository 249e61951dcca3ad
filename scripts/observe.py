"""`make run OBSERVE=1`: traces to a local sink, and Prometheus if it is installed.

Off by default (`make run` starts nothing extra). With OBSERVE=1:

* scripts/trace_sink.py takes OTLP/HTTP on TRACES_PORT (4318) and writes every span
  to `var/traces.jsonl`; each service gets OTEL_EXPORTER_OTLP_ENDPOINT pointing there;
* `var/prometheus.yml` scrapes every service's `/metrics` with a `service` label (the
  label infra/grafana/ticketing.json groups by), and Prometheus runs on
  PROMETHEUS_PORT (9090) if the `prometheus` binary is on PATH
  (Debian: `apt-get install prometheus`); otherwise the file is there to use.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Extra:
    name: str
    argv: list[str]
    where: str


def observing() -> bool:
    return os.environ.get("OBSERVE") == "1"


def traces_port() -> int:
    return int(os.environ.get("TRACES_PORT", "4318"))


def service_env() -> dict[str, str]:
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{traces_port()}"}


def scrape_config(targets: dict[str, list[int]]) -> str:
    """Prometheus' config for the local stack: one job, the `service` label per target."""
    static = [
        {"targets": [f"127.0.0.1:{port}" for port in ports], "labels": {"service": name}}
        for name, ports in targets.items()
    ]
    config = {
        "global": {"scrape_interval": "5s"},
        "scrape_configs": [
            {"job_name": "ticketing", "metrics_path": "/metrics", "static_configs": static}
        ],
    }
    return yaml.safe_dump(config, sort_keys=False)


def extras(var: Path, targets: dict[str, list[int]]) -> list[Extra]:
    out, port = var / "traces.jsonl", str(traces_port())
    sink = [sys.executable, str(REPO / "scripts/trace_sink.py"), "--port", port, "--out", str(out)]
    procs = [Extra("traces", sink, f"http://127.0.0.1:{port} (OTLP/HTTP; spans in {out})")]
    config = var / "prometheus.yml"
    config.write_text(scrape_config(targets))
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        print(f"  (prometheus not installed: its scrape config is {config})")
        return procs
    web = os.environ.get("PROMETHEUS_PORT", "9090")
    argv = [prometheus, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{web}"]
    argv.append(f"--storage.tsdb.path={var / 'prometheus'}")
    procs.append(Extra("prometheus", argv, f"http://127.0.0.1:{web} (scraping {config})"))
    return procs
