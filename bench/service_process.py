"""One service as its own process, as `make run` starts it, for the benches that time
one or two services without the ingress (`hold_cpu`, `ticket_to_orderable`,
`expiry_lateness`)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from contracts.topology import by_name
from harness import servers
from harness.apps import JWT_KEY
from harness.stack import http_ok


@contextlib.contextmanager
def service_process(
    name: str, tmp: Path, env: dict[str, str], timeout: float = 60
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`python -m backend_services <name>` on a free port with `env` (its database,
    NATS, Redis): the process and its base URL, once `/readyz` says it and everything
    it reports are up. Its output goes to `<tmp>/<name>.log`."""
    port = servers.free_port()
    defaults = {
        "PORT": str(port),
        "JWT_KEY": JWT_KEY,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
    }
    full = {**os.environ, **defaults, **env}
    log_path = tmp / f"{name}.log"
    with log_path.open("wb") as log:
        argv = [sys.executable, "-m", "backend_services", name]
        proc = subprocess.Popen(argv, env=full, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        ready = f"{base}{by_name(name).health_prefix}/readyz"
        while not http_ok(ready, timeout=1):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not become ready; see {log_path}")
            time.sleep(0.1)
        yield proc, base
    finally:
        proc.terminate()
        proc.wait(30)
