"""Starting the local stack for a harness, two ways.

* `LauncherStack` runs `scripts/stack.py` exactly as `make run` does (honcho and
  its generated Procfile): the bench uses it, so cold start and footprint are
  those of the real launcher.
* `ManagedStack` asks the launcher only to write its Procfile and nginx.conf
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
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from contracts import topology
from contracts.topology import REPLICA_PORT_STEP
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
            raise StackFailed(f"launcher exited ({alive.returncode}) before ready\n{_tail(log)}")
        if time.monotonic() - started > timeout:
            raise StackFailed(f"not ready after {timeout:.0f}s: {pending}\n{_tail(log)}")
        time.sleep(interval)
    return time.monotonic() - started


def _tail(path: Path | None, size: int = 4000) -> str:
    if path is None or not path.exists():
        return ""
    return path.read_text(errors="replace")[-size:]


# --------------------------------------------------------------------------- processes


@dataclass
class ProcSample:
    pid: int
    ppid: int
    name: str
    cmdline: str
    rss_kb: int
    pss_kb: int | None


def _read(path: str) -> str | None:
    try:
        with open(path, errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def _status_field(status: str, key: str) -> int:
    for line in status.splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def sample(pid: int) -> ProcSample | None:
    status = _read(f"/proc/{pid}/status")
    if status is None:
        return None
    cmdline = (_read(f"/proc/{pid}/cmdline") or "").replace("\0", " ").strip()
    rollup = _read(f"/proc/{pid}/smaps_rollup")
    pss = _status_field(rollup, "Pss") if rollup else None
    name = next((ln.split(None, 1)[1] for ln in status.splitlines() if ln.startswith("Name:")), "?")
    return ProcSample(
        pid=pid,
        ppid=_status_field(status, "PPid"),
        name=name.strip(),
        cmdline=cmdline,
        rss_kb=_status_field(status, "VmRSS"),
        pss_kb=pss,
    )


def cpu_ticks(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        stat = _read(f"/proc/{pid}/stat")
        if stat:
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def wait_idle(
    pids: Callable[[], list[int]], busy_below: float, window: float, timeout: float
) -> float:
    """Seconds until the processes' CPU use over `window` falls below `busy_below` cores."""
    hz = os.sysconf("SC_CLK_TCK")
    started = time.monotonic()
    while True:
        members = pids()
        before = cpu_ticks(members)
        time.sleep(window)  # the measuring interval itself
        used = (cpu_ticks(members) - before) / hz / window
        if used < busy_below or time.monotonic() - started > timeout:
            return time.monotonic() - started


def children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        status = _read(f"/proc/{entry}/status")
        if status is None:
            continue
        kids.setdefault(_status_field(status, "PPid"), []).append(int(entry))
    return kids


def subtree(pid: int, kids: dict[int, list[int]] | None = None) -> list[int]:
    kids = kids if kids is not None else children_map()
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(kids.get(current, []))
    return out


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
            rows.append(_row(_match_entry(samples, entries), samples))
        rows.sort(key=lambda r: str(r["process"]))
        supervision = [x for x in (sample(q) for q in overhead) if x is not None]
        rows.append(_row("(launcher, honcho and its per-process workers and shells)", supervision))
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


def _row(name: str, samples: list[ProcSample]) -> dict[str, object]:
    return {
        "process": name,
        "pids": [s.pid for s in samples],
        "rss_mb": round(sum(s.rss_kb for s in samples) / 1024, 1),
        "pss_mb": round(sum(s.pss_kb or 0 for s in samples) / 1024, 1),
        "parts": [f"{s.name} {s.rss_kb // 1024} MB" for s in samples if s.rss_kb],
    }


def _match_entry(samples: list[ProcSample], entries: dict[str, str]) -> str:
    """Which Procfile line a process tree runs: by the program it runs, and among lines
    running the same program (replicas), by the PORT it was given."""
    top = samples[0]
    candidates = []
    for name, cmd in entries.items():
        tokens = [t for t in shlex.split(cmd) if t != "env" and "=" not in t]
        base = os.path.basename(tokens[0]) if tokens else ""
        module = tokens[2] if len(tokens) > 2 and tokens[1] == "-m" else None
        if (
            base
            and (top.name == base[:15] or base in top.cmdline)
            and (module is None or module in top.cmdline)
        ):
            candidates.append((name, cmd))
    if len(candidates) > 1:
        environ = _read(f"/proc/{top.pid}/environ") or ""
        port = next((kv[5:] for kv in environ.split("\0") if kv.startswith("PORT=")), None)
        candidates = [c for c in candidates if f" PORT={port} " in f" {c[1]} "] or candidates
    return candidates[0][0] if candidates else top.cmdline[:60]


def parse_procfile(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, cmd = line.split(":", 1)
        out.append((name.strip(), cmd.strip()))
    return out


# --------------------------------------------------------------------------- managed processes


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
                    f"{name} exited with {managed.proc.returncode}\n{_tail(managed.log)}"
                )
            ok = http_ok(managed.ready_url) if managed.ready_url else port_open(managed.port)
            if ok and managed.kind == "redis":
                ok = _redis_ping(managed.port)
            if ok:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise StackFailed(f"{name} not ready after {timeout:.0f}s\n{_tail(managed.log)}")
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
            rows.append(_row(name, samples))
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
