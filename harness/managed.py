"""`ManagedStack`: the launcher's Procfile, each line run as its own process group, so
chaos can SIGKILL one process and start it again (honcho stops everything as soon as
one child dies). Same ports, var dir and readiness as `harness.stack.LauncherStack`."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from contracts import topology
from harness.processes import children_map, footprint_row, sample, subtree, wait_idle
from harness.stack import (
    LAUNCHER,
    PYTHON,
    REPO,
    StackConfig,
    StackFailed,
    http_ok,
    log_tail,
    parse_procfile,
    port_open,
)


@dataclass
class Managed:
    name: str
    argv: list[str]
    kind: str  # nats | redis | stripe | service | expiration | ui | ingress
    ready_url: str | None
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class ManagedStack:
    """Each Procfile line as its own process group: killable and restartable one by one."""

    INFRA_ORDER = ("nats", "redis", "stripe")

    def __init__(
        self, cfg: StackConfig, with_ui: bool = False, exclude: Iterable[str] = ()
    ) -> None:
        self.cfg = cfg
        self.with_ui = with_ui
        self.exclude = set(exclude)
        self.procs: dict[str, Managed] = {}
        self.started_at = 0.0

    # configuration ----------------------------------------------------------
    def write_config(self) -> None:
        result = subprocess.run(
            [str(PYTHON), str(LAUNCHER), "--write-only"],
            cwd=REPO,
            env=self.cfg.env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 or not (self.cfg.var / "Procfile").exists():
            raise StackFailed(
                "scripts/stack.py --write-only failed (does it support --write-only?):\n"
                + result.stdout[-2000:]
                + result.stderr[-2000:]
            )
        logs = self.cfg.var / "log"
        logs.mkdir(parents=True, exist_ok=True)
        for name, cmd in parse_procfile(self.cfg.var / "Procfile"):
            argv = shlex.split(cmd)
            kind, port, url = self._classify(name, argv)
            if (kind == "ui" and not self.with_ui) or name.rstrip("0123456789") in self.exclude:
                continue
            if kind == "stripe" and "--from-scratch" not in argv:
                # localstripe otherwise starts from /tmp/localstripe.pickle, which every
                # localstripe on the machine rewrites on each change (other stacks' charges)
                argv.append("--from-scratch")
            self.procs[name] = Managed(name, argv, kind, url, port, logs / f"{name}.log")

    def _classify(self, name: str, argv: list[str]) -> tuple[str, int, str | None]:
        base = name.rstrip("0123456789")
        env = dict(a.split("=", 1) for a in argv if "=" in a and not a.startswith("-"))
        if base == "nats":
            return (
                "nats",
                self.cfg.ports["nats"],
                (f"http://127.0.0.1:{self.cfg.ports['nats_monitor']}/healthz?js-enabled-only=true"),
            )
        if base in ("redis", "stripe"):
            return base, self.cfg.ports[base], None
        if base == "ingress":
            return "ingress", self.cfg.http_port, None
        if base == "ui":
            return "ui", self.cfg.ports["ui"], f"{self.cfg.url}/ping"
        port = int(env.get("PORT", self.cfg.ports.get(base, 0)))
        prefix = topology.by_name(base).health_prefix
        kind = "service" if prefix else base
        return kind, port, f"http://127.0.0.1:{port}{prefix}/readyz"

    # lifecycle ----------------------------------------------------------------
    def start_all(self, timeout: float = 180) -> float:
        started = time.monotonic()
        if not self.procs:
            self.write_config()
        infra = [n for n in self.INFRA_ORDER if n in self.procs]
        for name in infra:
            self.start_one(name)
        for name in infra:
            self.wait_ready_one(name, timeout)
        rest = [n for n in self.procs if n not in infra]
        for name in rest:
            self.start_one(name)
        for name in rest:
            self.wait_ready_one(name, timeout)
        return time.monotonic() - started

    def start_one(self, name: str) -> None:
        managed = self.procs[name]
        if managed.running:
            return
        with managed.log.open("ab") as out:
            out.write(f"\n=== start {time.strftime('%H:%M:%S')} ===\n".encode())
            out.flush()
            managed.proc = subprocess.Popen(
                managed.argv,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=self.cfg.env(),
            )

    def wait_ready_one(self, name: str, timeout: float = 120) -> float:
        managed = self.procs[name]
        started = time.monotonic()
        while True:
            if managed.proc is not None and managed.proc.poll() is not None:
                raise StackFailed(
                    f"{name} exited with {managed.proc.returncode}\n{log_tail(managed.log)}"
                )
            ok = http_ok(managed.ready_url) if managed.ready_url else port_open(managed.port)
            if ok and managed.kind == "redis":
                ok = _redis_ping(managed.port)
            if ok:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise StackFailed(f"{name} not ready after {timeout:.0f}s\n{log_tail(managed.log)}")
            time.sleep(0.05)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        managed = self.procs[name]
        if managed.proc is None:
            return
        if managed.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(managed.proc.pid, sig)
            try:
                managed.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(managed.proc.pid, signal.SIGKILL)
                managed.proc.wait(10)
        managed.proc = None

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.kill(name, signal.SIGTERM)

    # the bench's stack interface (as LauncherStack) -------------------------------
    def start(self) -> None:
        self.started_at = time.monotonic()
        self.start_all()

    def wait_ready(self, timeout: float = 900.0, ui: bool = True) -> dict[str, float]:
        for name in self.procs:
            self.wait_ready_one(name, timeout)
        return {
            "api_ready_s": time.monotonic() - self.started_at,
            "ready_s": time.monotonic() - self.started_at,
        }

    def pids(self) -> list[int]:
        kids = children_map()
        return [
            p for m in self.procs.values() if m.proc is not None for p in subtree(m.proc.pid, kids)
        ]

    def wait_idle(
        self, busy_below: float = 0.10, window: float = 1.0, timeout: float = 60
    ) -> float:
        return wait_idle(self.pids, busy_below, window, timeout)

    def footprint(self) -> list[dict[str, object]]:
        kids = children_map()
        rows: list[dict[str, object]] = []
        for name, managed in self.procs.items():
            if managed.proc is None:
                continue
            samples = [s for s in (sample(p) for p in subtree(managed.proc.pid, kids)) if s]
            rows.append(footprint_row(name, samples))
        return rows

    def stop(self, timeout: float = 60) -> None:
        self.stop_all()

    def names(self, kind: str | None = None) -> list[str]:
        return [n for n, m in self.procs.items() if kind is None or m.kind == kind]

    def __enter__(self) -> ManagedStack:
        try:
            self.start_all()
        except BaseException:
            self.stop_all()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5) as sock:
            sock.sendall(b"PING\r\n")
            # Anonymous clients are refused (ACL): an answer at all means it is serving.
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False
