"""Where an order request's time goes: py-spy sampling the orders process under wrk load.

The profile is taken in its own short wrk run after the measured spike (py-spy costs
CPU on the same cores, so it never overlaps a figure). py-spy writes collapsed stacks
(`orders.collapsed`: one `frame;frame;… count` line per stack, the input of every
flame-graph renderer, e.g. speedscope.app or inferno); the report lists the functions
with the largest inclusive share of samples, i.e. the per-phase breakdown.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import generator

SKIP = (
    "<module>",
    "_run_module_as_main",
    "_run_code",
    "Thread._bootstrap",
    "Thread._bootstrap_inner",
    "WorkerThread.run",
    "Runner.run",
    "asyncio_run",
    "serve",
    "Server.run",
)
IDLE = ("Condition.wait", "Queue.get", "Event.wait")


def available() -> bool:
    return shutil.which("py-spy") is not None or Path(".venv/bin/py-spy").exists()


def start(pid: int, seconds: float, out: Path, rate: int = 200) -> subprocess.Popen[bytes]:
    binary = shutil.which("py-spy") or ".venv/bin/py-spy"
    argv = [binary, "record", "--pid", str(pid), "--duration", str(int(seconds))]
    argv += ["--rate", str(rate), "--format", "raw", "--output", str(out), "--nonblocking"]
    # --gil: only the thread holding the GIL, i.e. where the process's Python CPU goes
    # (without it, threads waiting for the GIL look busy inside whatever released it).
    argv += ["--threads", "--gil"]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def summarise(collapsed: Path, top: int = 20) -> dict[str, Any]:
    """Share of the busy samples per function: inclusive (counted once per stack) and
    self (the innermost frame). Idle worker threads waiting for work are left out."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f.split(" (")[0] for f in stack.split(";")[1:]]  # [0] names the thread
        if not count.isdigit() or not frames or frames[-1] in IDLE:
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for name in set(frames) - set(SKIP):
            inclusive[name] += n

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / max(total, 1), 1)) for name, n in counter.most_common(top)]

    return {"samples": total, "top_inclusive_pct": shares(inclusive), "top_self_pct": shares(own)}


async def orders_under_load(
    api: Any,
    url: str,
    out: Path,
    params: dict[str, Any],
    processes: Callable[[], dict[str, list[int]]],
) -> dict[str, Any]:
    """A short wrk spike on the tickets of the measured one (all held: mostly 409s, the
    path most attempts take) with py-spy attached to the (first) orders process."""
    groups = processes()
    name = next(n for n in sorted(groups) if n.startswith("orders"))
    if not available():
        return {"skipped": "py-spy is not installed"}
    seconds = params["profile_seconds"]
    collapsed = out / f"{name}.collapsed"
    spy = start(groups[name][0], seconds, collapsed)
    load = generator.Load(
        url=url + "/api/orders",
        mode="spike",
        connections=params["connections"],
        seconds=seconds + 1,
        data=out / "spike-data.txt",
    )
    race = await asyncio.to_thread(generator.run, load, out / "wrk-profile.json", groups)
    race.pop("wins")
    spy_out, _ = await asyncio.to_thread(spy.communicate, None, seconds + 30)
    if spy.returncode != 0 or not collapsed.exists():
        return {"failed": spy_out.decode()[-1000:]}
    return {
        "process": name,
        "collapsed_stacks": str(collapsed),
        "requests_per_s_while_profiled": race["requests_per_s"],
        "statuses": race["statuses"],
        **summarise(collapsed),
    }


def markdown(prof: dict[str, Any]) -> list[str]:
    if "top_inclusive_pct" not in prof:
        return ["## Profile of `POST /api/orders`", "", f"Not taken: {prof}", ""]
    out = [
        f"## Profile of `POST /api/orders` ({prof['process']}, py-spy, under wrk)",
        "",
        f"{prof['samples']} samples while wrk sent {prof['requests_per_s_while_profiled']} "
        f"req/s ({prof['statuses']}); collapsed stacks in `{prof['collapsed_stacks']}`.",
        "",
        "| function (inclusive) | % | function (self) | % |",
        "|---|---|---|---|",
    ]
    pairs = zip(prof["top_inclusive_pct"], prof["top_self_pct"], strict=False)
    out += [f"| `{a}` | {pa} | `{b}` | {pb} |" for (a, pa), (b, pb) in pairs]
    return [*out, ""]
