"""wrk as the load generator: a native client, so the figures measure the stack.

The Python client (`harness.client.Api`) stays for flows that need logic (sign-ups,
listing, checks); the request-rate figures come from wrk with `wrk/spike.lua`. The
generator's own CPU is read from `/proc/<pid>/stat` of the wrk process while it runs
(and cross-checked with the kernel's accounting of the reaped child), and the CPU of
every stack process over the same interval, so a reader can tell who was the bottleneck.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.processes import cpu_ticks

SCRIPT = Path(__file__).with_name("wrk") / "spike.lua"
HZ = os.sysconf("SC_CLK_TCK")


@dataclass
class Load:
    """One wrk run: what to hit, how hard, how long."""

    url: str  # full URL; its path is what "get" mode requests
    mode: str  # "spike" (POST /api/orders, rotating buyers and tickets) or "get"
    connections: int = 64
    seconds: float = 15.0
    threads: int = 2
    timeout_s: float = 10.0
    data: Path | None = None  # "B <token>" / "T <ticket id>" lines for the spike


@dataclass
class Sampler:
    """CPU ticks of the wrk process (last reading before it exits) and of the stack."""

    pid: int
    groups: dict[str, list[int]]
    wrk_ticks: int = 0
    before: dict[str, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.before = {name: cpu_ticks(pids) for name, pids in self.groups.items()}

    def run(self) -> None:
        while not self.stop.wait(0.1):
            ticks = cpu_ticks([self.pid])
            if ticks:
                self.wrk_ticks = ticks

    def stack_cpu(self) -> dict[str, float]:
        used = {n: (cpu_ticks(p) - self.before[n]) / HZ for n, p in self.groups.items()}
        return {n: round(s, 2) for n, s in sorted(used.items(), key=lambda kv: -kv[1]) if s}


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run(load: Load, out: Path, groups: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """Run wrk once; its JSON (statuses, latency, the bodies of 201s) plus CPU figures."""
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        "wrk",
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{round(load.seconds)}s",
        "--timeout",
        f"{round(load.timeout_s)}s",
        "-s",
        str(SCRIPT),
        load.url,
        "--",
        load.mode,
        str(load.data or "-"),
        str(out),
    ]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sampler = Sampler(proc.pid, groups or {})
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    stdout, _ = proc.communicate(timeout=load.seconds + load.timeout_s + 60)
    sampler.stop.set()
    thread.join()
    wall = time.monotonic() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed ({proc.returncode}): {stdout.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    reaped = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    proc_cpu = sampler.wrk_ticks / HZ
    result["generator"] = {
        "tool": "wrk",
        "argv": argv[:9],
        "threads": load.threads,
        "connections": load.connections,
        "cpu_s_from_proc": round(proc_cpu, 2),
        "cpu_s_rusage": round(reaped, 2),
        "wall_s": round(wall, 2),
        "cores_used": round(max(proc_cpu, reaped) / result["duration_s"], 2),
    }
    result["stack_cpu_s"] = sampler.stack_cpu()
    busiest = next(iter(result["stack_cpu_s"].items()), None)
    if busiest and result["requests"]:  # robust to neighbours: CPU per request
        result["busiest_cpu_ms_per_request"] = {
            busiest[0]: round(1000 * busiest[1] / result["requests"], 2)
        }
    result["requests_per_s"] = round(result["requests"] / result["duration_s"], 1)
    result["server_errors_5xx"] = sum(
        n for status, n in result["statuses"].items() if status.startswith("5")
    )
    result["timeouts"] = result["errors"]["timeout"]
    return result


def write_data(path: Path, tokens: list[str], ticket_ids: list[str]) -> Path:
    lines = [f"B {t}" for t in tokens] + [f"T {t}" for t in ticket_ids]
    path.write_text("\n".join(lines) + "\n")
    return path
