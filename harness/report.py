"""JSON + Markdown reports under var/bench/."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from .stack import REPO


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "git": commit + ("-dirty" if dirty else ""),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def write(run_dir: Path, name: str, data: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    json_path = run_dir / f"{name}.json"
    md_path = run_dir / f"{name}.md"
    json_path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    md_path.write_text(markdown)
    latest = run_dir.parent
    shutil.copyfile(json_path, latest / f"{name}-latest.json")
    shutil.copyfile(md_path, latest / f"{name}-latest.md")
    return json_path, md_path


P3 = ("p50", "p95", "p99")


def ms(summary: dict[str, Any] | None, *keys: str) -> str:
    if not summary or not summary.get("n"):
        return "-"
    return " / ".join(
        f"{summary[k]:.0f}" if summary[k] >= 10 else f"{summary[k]:.1f}" for k in keys
    )


def bench_markdown(data: dict[str, Any]) -> str:
    m = data["machine"]
    out = [
        f"# Bench run {data['run']}",
        "",
        f"{m['date']} · {m['cpus']} CPUs · Python {m['python']} · git {m['git']} · "
        f"mode {data['mode']} · replicas {data['replicas']} · "
        f"load average at start {m['loadavg_at_start']}, at end {data.get('loadavg_at_end')}",
        "",
        "Latencies in milliseconds (p50 / p95 / p99 unless marked). Figures are measured, "
        "not asserted; invariants are checked.",
        "",
    ]
    for name, error in data.get("phase_errors", {}).items():
        out += [f"**Phase {name} failed:** {error}", ""]
    if data.get("aborted"):
        out += [f"**Aborted:** {data['aborted']}", ""]
    start = data.get("cold_start", {})
    if start:
        out += [
            "## Cold start (`scripts/stack.py` launched → ready)",
            "",
            f"- APIs ready through the ingress: **{start.get('api_ready_s', 0):.1f} s**",
            f"- whole stack ready (UI `/ping` too): **{start.get('ready_s', 0):.1f} s**",
            "",
        ]
    base = data.get("baseline")
    spike = data.get("spike")
    if base and spike:
        race = spike["race"]
        ratio = race["attempts_per_s"] / base["requests_per_s"] if base["requests_per_s"] else 0
        inv = spike["invariants"]
        co = spike["checkout"]
        out += [
            "## On-sale spike",
            "",
            f"{spike['tickets']} tickets, {spike['buyers']} buyers racing (each up to "
            f"{spike['attempts_per_buyer']} random tickets until one holds), "
            f"{data['in_flight']} requests in flight.",
            "",
            "| figure | value |",
            "|---|---|",
            f"| order attempts | {race['attempts']} in {race['duration_s']} s |",
            f"| **attempts/s** | **{race['attempts_per_s']}** |",
            f"| baseline `GET {base['path']}` req/s | {base['requests_per_s']} |",
            f"| **spike ÷ baseline throughput** | **{ratio:.2f}** |",
            f"| `POST /api/orders` latency p50/p95/p99 | {ms(race['latency_ms'], *P3)} |",
            f"| baseline latency p50/p95/p99 | {ms(base['latency_ms'], *P3)} |",
            f"| 201 holds / 409 conflicts | {race['holds_201']} / {race['conflicts_409']} |",
            f"| 5xx / timeouts+connection errors / other | {race['server_errors_5xx']} / "
            f"{race['timeouts_or_connection_errors']} / {race['unexpected_statuses']} |",
            f"| baseline 5xx / transport errors | {base['server_errors_5xx']} / "
            f"{base['timeouts_or_connection_errors']} |",
            f"| invariants (no ticket held twice, every 201 a real hold) | "
            f"{'**hold**' if inv['ok'] else '**VIOLATED**'} "
            f"({inv['distinct_tickets_held']} tickets held by {inv['successful_holds']} holds; "
            f"{inv['holds_not_acknowledged_to_buyer']} holds not acknowledged to a buyer) |",
            f"| tickets' view converged to the holds | "
            f"{inv['tickets_converged_s']} s after the race |",
            f"| checkout: paid orders / double charges | {co.get('paid_orders')} / "
            f"{co.get('double_charged_orders')} |",
            f"| checkout: pay → order `complete` p50/p99 | "
            f"{ms(co.get('pay_to_order_complete_ms'), 'p50', 'p99')} |",
            f"| checkout: pay → ticket `sold` p50/p99 | "
            f"{ms(co.get('pay_to_ticket_sold_ms'), 'p50', 'p99')} |",
            f"| buyer sessions | {spike['buyers_sessions']['signed_up']} signed up through auth "
            f"({spike['buyers_sessions']['signups_per_s']}/s, argon2), "
            f"{spike['buyers_sessions']['minted_sessions']} minted with the stack's JWT_KEY |",
            "",
        ]
        for v in inv["violations"] + co.get("violations", []):
            out.append(f"- VIOLATION: {v}")
    ev = data.get("event_latency")
    if ev:
        out += [
            "## Event latency (one change at a time, idle stack, 5 ms polling)",
            "",
            "| from → to | p50 | p99 | max |",
            "|---|---|---|---|",
        ]
        for key, label in (
            ("ticket_created_to_orderable_ms", "ticket 201 → orderable in orders"),
            ("ticket_created_to_event_on_bus_ms", "ticket 201 → `ticket.created` seen on NATS"),
            ("order_created_to_ticket_reserved_ms", "order 201 → ticket `reserved`"),
            ("payment_to_order_complete_ms", "payment 201 → order `complete`"),
            ("payment_to_ticket_sold_ms", "payment 201 → ticket `sold`"),
            ("order_cancelled_to_ticket_available_ms", "order cancelled → ticket `available`"),
        ):
            s = ev.get(key) or {}
            out.append(f"| {label} | {ms(s, 'p50')} | {ms(s, 'p99')} | {ms(s, 'max')} |")
        out += ["", f"{ev['samples']} samples, {ev['failure_count']} failures.", ""]
    ex = data.get("expiry")
    if ex and ex.get("placed"):
        out += [
            "## Expiry precision",
            "",
            f"{ex['placed']} holds placed in {ex['placing_s']} s (window {ex['window_s']} s; "
            f"their `expiresAt` span {ex['expires_at_spread_s']} s). Lateness = arrival of the "
            "event on a NATS subscriber minus the order's `expiresAt`.",
            "",
            "| lateness | p50 | p99 | max |",
            "|---|---|---|---|",
        ]
        for key, label in (
            ("expiration_timer_lateness_ms", "timer fired (`expiration.complete`)"),
            ("order_cancelled_event_lateness_ms", "order cancelled (`order.cancelled`)"),
            ("ticket_released_event_lateness_ms", "ticket available again (`ticket.updated`)"),
        ):
            s = ex.get(key) or {}
            out.append(f"| {label} | {ms(s, 'p50')} | {ms(s, 'p99')} | {ms(s, 'max')} |")
        api = ex["api_check"]
        out += [
            "",
            f"Over 2 s late: {ex['over_2s_late_order']} orders, "
            f"{ex['over_2s_late_ticket']} tickets; cancelled before expiry: "
            f"{ex['cancelled_before_expiry']}; cancelled by the sweeper rather than the timer: "
            f"{ex['cancelled_by_sweeper_not_timer']}; afterwards through the API: "
            f"{api['orders_not_cancelled']} orders not cancelled, "
            f"{api['tickets_not_available']} tickets not available.",
            "",
        ]
    for key, title in (
        ("footprint_idle", "Footprint of the idle stack"),
        ("footprint_after", "Footprint after the load"),
    ):
        rows = data.get(key)
        if rows:
            out += [f"## {title}", "", "| process | RSS MB | PSS MB | parts |", "|---|---|---|---|"]
            for r in rows:
                out.append(
                    f"| {r['process']} | {r['rss_mb']} | {r['pss_mb']} | "
                    f"{', '.join(r['parts'][:6])} |"
                )
            out += [
                "",
                f"Total RSS {sum(r['rss_mb'] for r in rows):.0f} MB, total PSS "
                f"{sum(r['pss_mb'] for r in rows):.0f} MB (PSS shares pages fairly; RSS counts "
                "shared pages in every process).",
                "",
            ]
    client = data.get("load_generator")
    if client:
        out += [
            "## Load generator",
            "",
            f"The bench process itself used {client['cpu_s']} s of CPU over {client['wall_s']} s "
            "(it shares the machine's cores with the stack).",
            "",
        ]
    return "\n".join(out) + "\n"
