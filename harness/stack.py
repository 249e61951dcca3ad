"""Starting the local stack for a harness, two ways.

* `LauncherStack` runs `scripts/stack.py` exactly as `make run` does (honcho and
  its generated Procfile): the bench uses it, so cold start and footprint are
  those of the real launcher.
* `ManagedStack` (harness/managed.py) asks the launcher only to write its Procfile and nginx.conf
  (`scripts/stack.py --write-only`) and runs each Procfile line as its own
  process group, so chaos can SIGKILL one process and start it again (honcho
  stops everything as soon as one child dies).

Both run on free ports with their own `VAR_DIR`, so they never collide with a
developer's `make run` or with another suite's stack. Readiness is always polled,
never slept for.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from contracts import topology
from contracts.topology import REPLICA_PORT_STEP
from harness.processes import (
    children_map,
    footprint_row,
    procfile_entry,
    sample,
    subtree,
    wait_idle,
)
from infra.access import OPS_USER

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
LAUNCHER = REPO / "scripts" / "stack.py"

# service name -> its readiness path prefix ("/api/users"), for the APIs of the topology
PREFIXES = {s.name: s.prefix for s in topology.apis() if s.prefix}


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(replicas: int = 1, taken: set[int] | None = None) -> int:
    """A free loopback port whose replica ports (port + 10 * i) are free too."""
    taken = taken if taken is not None else set()
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        wanted = [port + REPLICA_PORT_STEP * i for i in range(replicas)]
        if all(
            p < 65536 and p not in taken and (i == 0 or _port_is_free(p))
            for i, p in enumerate(wanted)
        ):
            taken.update(wanted)
            return port
    raise RuntimeError("no free port range found")


# CONTRACT §8 limits a test stack raises: every bench and system-test client comes
# from 127.0.0.1 through one nginx (per-address limits), and the bench and chaos
# workloads let a few buyers race for many tickets (fair use). Those limits are
# attacked by the service suites (tests/auth, tests/orders); the per-email one stays.
TEST_STACK_LIMITS = {
    "SIGNUPS_PER_ADDRESS": "1000000",
    "SIGNIN_FAILURES_PER_ADDRESS": "1000000",
    "MAX_ACTIVE_HOLDS": "1000000",
    "REHOLD_COOLDOWN_SECONDS": "0",
}


@dataclass
class StackConfig:
    var: Path
    http_port: int
    ports: dict[str, int]
    replicas: int = 1
    expiration_window: int | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def allocate(
        cls,
        var: Path,
        replicas: int = 1,
        expiration_window: int | None = None,
        defaults: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> StackConfig:
        """Free ports (or the launcher's defaults) and a fresh var dir."""
        var.mkdir(parents=True, exist_ok=True)
        if defaults:
            ports = topology.local_ports()
            http_port = topology.HTTP_PORT
        else:
            taken: set[int] = set()
            ports = {
                name: free_port(replicas if name in PREFIXES else 1, taken)
                for name in topology.local_ports()
            }
            http_port = free_port(1, taken)
        return cls(
            var=var.resolve(),
            http_port=http_port,
            ports=ports,
            replicas=replicas,
            expiration_window=expiration_window,
            extra_env=dict(extra_env or {}),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def nats_url(self) -> str:
        """The stack's NATS as `ops`: may read streams and consumers, publish nothing."""
        password = (self.var / "secrets" / OPS_USER / "nats_password").read_text().strip()
        return f"nats://{OPS_USER}:{password}@127.0.0.1:{self.ports['nats']}"

    @property
    def stripe_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['stripe']}"

    def env(self) -> dict[str, str]:
        env = {
            **TEST_STACK_LIMITS,
            **os.environ,
            **{f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()},
            "HTTP_PORT": str(self.http_port),
            "VAR_DIR": str(self.var),
            "REPLICAS": str(self.replicas),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
            **self.extra_env,
        }
        if self.expiration_window is not None:
            env["EXPIRATION_WINDOW_SECONDS"] = str(self.expiration_window)
        env.pop("STRIPE_SECRET_KEY", None)  # always the local Stripe test server
        return env

    def jwt_key(self) -> str:
        return (self.var / "jwt_key").read_text().strip()

    def api_readiness(self) -> list[str]:
        return [
            f"{self.url}{s.prefix}/readyz"
            if s.prefix
            else f"http://127.0.0.1:{self.ports[s.name]}/readyz"
            for s in topology.SERVICES
        ]

    def ui_readiness(self) -> list[str]:
        return [f"{self.url}/ping"]


def http_ok(url: str, timeout: float = 2.0) -> bool:
    """200, and every dependency a `/readyz` body reports is up: the services stay
    ready without the bus (it is reported, not a gate), but a stack is up with it."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            if response.status != 200:
                return False
            body = response.read()
    except OSError:
        return False
    try:
        checks = json.loads(body).get("checks", {})
    except (ValueError, AttributeError):
        return True  # not a readiness body (the UI's /ping)
    return all(state == "ok" for state in checks.values())


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.3):
        return True
    return False


class StackFailed(RuntimeError):
    pass


def wait_until_ready(
    urls: Iterable[str],
    timeout: float,
    alive: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    interval: float = 0.2,
) -> float:
    """Poll every URL until each answers 200; returns the seconds waited."""
    started = time.monotonic()
    pending = list(urls)
    while pending:
        pending = [u for u in pending if not http_ok(u)]
        if not pending:
            break
        if alive is not None and alive.poll() is not None:
            raise StackFailed(f"launcher exited ({alive.returncode}) before ready\n{log_tail(log)}")
        if time.monotonic() - started > timeout:
            raise StackFailed(f"not ready after {timeout:.0f}s: {pending}\n{log_tail(log)}")
        time.sleep(interval)
    return time.monotonic() - started


def log_tail(path: Path | None, size: int = 4000) -> str:
    if path is None or not path.exists():
        return ""
    return path.read_text(errors="replace")[-size:]


# --------------------------------------------------------------------------- launcher (honcho)


class LauncherStack:
    """`scripts/stack.py` as `make run` starts it, on this config's ports and var dir."""

    def __init__(self, cfg: StackConfig) -> None:
        self.cfg = cfg
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = cfg.var / "launcher.log"
        self.started_at = 0.0

    def start(self) -> None:
        self.started_at = time.monotonic()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(PYTHON), str(LAUNCHER)],
                cwd=REPO,
                env=self.cfg.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 900.0, ui: bool = True) -> dict[str, float]:
        """Seconds from launch until the APIs, and then the UI, answer through the ingress."""
        assert self.proc is not None
        wait_until_ready(self.cfg.api_readiness(), timeout, self.proc, self.log)
        api = time.monotonic() - self.started_at
        timings = {"api_ready_s": api}
        if ui:
            wait_until_ready(self.cfg.ui_readiness(), timeout, self.proc, self.log)
            timings["ready_s"] = time.monotonic() - self.started_at
        return timings

    def pids(self) -> list[int]:
        assert self.proc is not None
        return subtree(self.proc.pid)

    def wait_idle(
        self, busy_below: float = 0.10, window: float = 1.0, timeout: float = 60
    ) -> float:
        """Poll until the whole stack uses under `busy_below` of one core over `window` s."""
        return wait_idle(self.pids, busy_below, window, timeout)

    def procfile_entries(self) -> dict[str, str]:
        return {name: cmd for name, cmd in parse_procfile(self.cfg.var / "Procfile")}

    def footprint(self) -> list[dict[str, object]]:
        """Memory of each Procfile process (with its own children), as honcho runs them;
        honcho's per-process workers and their `sh -c` shells are one row of overhead."""
        assert self.proc is not None
        kids = children_map()
        overhead = [self.proc.pid]
        rows: list[dict[str, object]] = []
        entries = self.procfile_entries()
        todo = list(kids.get(self.proc.pid, []))
        while todo:  # walk down through honcho and the shells to the programs
            pid = todo.pop()
            s = sample(pid)
            if s is None:
                continue
            if s.name in ("honcho", "sh", "dash", "bash"):
                overhead.append(pid)
                todo.extend(kids.get(pid, []))
                continue
            samples = [x for x in (sample(q) for q in subtree(pid, kids)) if x is not None]
            rows.append(footprint_row(procfile_entry(samples, entries), samples))
        rows.sort(key=lambda r: str(r["process"]))
        supervision = [x for x in (sample(q) for q in overhead) if x is not None]
        rows.append(
            footprint_row("(launcher, honcho and its per-process workers and shells)", supervision)
        )
        return rows

    def stop(self, timeout: float = 60) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def parse_procfile(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, cmd = line.split(":", 1)
        out.append((name.strip(), cmd.strip()))
    return out


def run_dir(kind: str) -> Path:
    """var/bench/<kind>-YYYYmmdd-HHMMSS (unique)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = REPO / "var" / "bench"
    path = base / f"{kind}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = base / f"{kind}-{stamp}-{n}"
    path.mkdir(parents=True)
    return path


def python_cmd(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
