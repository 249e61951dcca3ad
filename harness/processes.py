"""What the harness measures of a running stack's processes, from /proc (Linux): memory
(RSS and PSS) per process tree, and CPU ticks, e.g. to wait until a stack is idle."""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class ProcSample:
    pid: int
    ppid: int
    name: str
    cmdline: str
    rss_kb: int
    pss_kb: int | None


def proc_file(path: str) -> str | None:
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
    status = proc_file(f"/proc/{pid}/status")
    if status is None:
        return None
    cmdline = (proc_file(f"/proc/{pid}/cmdline") or "").replace("\0", " ").strip()
    rollup = proc_file(f"/proc/{pid}/smaps_rollup")
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
        stat = proc_file(f"/proc/{pid}/stat")
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
        status = proc_file(f"/proc/{entry}/status")
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


def footprint_row(name: str, samples: list[ProcSample]) -> dict[str, object]:
    return {
        "process": name,
        "pids": [s.pid for s in samples],
        "rss_mb": round(sum(s.rss_kb for s in samples) / 1024, 1),
        "pss_mb": round(sum(s.pss_kb or 0 for s in samples) / 1024, 1),
        "parts": [f"{s.name} {s.rss_kb // 1024} MB" for s in samples if s.rss_kb],
    }


def procfile_entry(samples: list[ProcSample], entries: dict[str, str]) -> str:
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
        environ = proc_file(f"/proc/{top.pid}/environ") or ""
        port = next((kv[5:] for kv in environ.split("\0") if kv.startswith("PORT=")), None)
        candidates = [c for c in candidates if f" PORT={port} " in f" {c[1]} "] or candidates
    return candidates[0][0] if candidates else top.cmdline[:60]
