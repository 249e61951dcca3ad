"""Fault injection: `python -m harness.chaos [--replicas 2] [--quick]` (what `make chaos` runs).

A purchase load runs through the ingress (sellers list and re-price tickets,
buyers reserve, pay, cancel, or let holds expire) while each service process is
killed with SIGKILL in turn, then NATS, then Redis, each restarted after a short
outage. Afterwards the load stops and the harness polls until every invariant
holds (bench/invariants.py): tickets' view equals the orders', no ticket held or
sold twice, no hold past its expiry, every kept charge belongs to a complete
order, every event consumed and none dead-lettered. It reports what was killed
and when, what the load saw meanwhile, and how long the system took to converge.

The stack is the launcher's own Procfile (`scripts/stack.py --write-only`), each
line run as its own process group, so one process can die without honcho taking
the rest down.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from contracts import topology

from . import report
from .chaos_load import Load
from .chaos_report import markdown
from .client import Api
from .events import consumer_states, parse_time
from .invariants import EXPIRY_GRACE_S, converge, summary
from .managed import ManagedStack
from .stack import StackConfig, http_ok, run_dir


@dataclass
class ChaosConfig:
    replicas: int = 1
    window: int = 10  # EXPIRATION_WINDOW_SECONDS: holds left alone expire during the run
    sellers: int = 4
    buyers: int = 16
    workers: int = 12  # concurrent user journeys
    down_s: float = 3.0  # how long a killed process stays down
    between_s: float = 8.0  # load between two faults
    targets: list[str] | None = None  # default: every service in turn, then nats, then redis
    converge_timeout: float = 120.0
    exclude: list[str] = field(default_factory=list)  # Procfile names not to run at all


# Converging may wait out a payment lease (90 s) when payments was killed mid-charge.
QUICK = ChaosConfig(
    sellers=2, buyers=8, workers=6, down_s=1.5, between_s=3.0, window=6, converge_timeout=150.0
)


def default_targets(stack: ManagedStack) -> list[str]:
    services = []
    for base in (s.name for s in topology.SERVICES):
        names = [n for n in stack.procs if n.rstrip("0123456789") == base]
        if names:
            services.append(names[0])  # with replicas, the first replica
    return services + [n for n in ("nats", "redis") if n in stack.procs]


# --------------------------------------------------------------------------- the faults


@dataclass
class Fault:
    target: str
    killed_at_s: float  # since the load started
    down_s: float
    ready_after_restart_s: float
    caught_up_s: float | None  # the service's consumer (or all, for nats) back to no backlog
    errors_meanwhile: dict[str, int]


async def inject(stack: ManagedStack, target: str, down_s: float, load: Load, t0: float) -> Fault:
    killed = time.monotonic()
    await asyncio.to_thread(stack.kill, target)  # SIGKILL to the process group
    await asyncio.sleep(down_s)  # the outage itself (a fault length, not a readiness wait)
    await asyncio.to_thread(stack.start_one, target)
    restarted = time.monotonic()
    await asyncio.to_thread(stack.wait_ready_one, target, 120)
    if target in ("nats", "redis"):  # dependents must see it again too
        await asyncio.to_thread(_wait_all_ready, stack, 120)
    ready = time.monotonic() - restarted
    caught_up = await _caught_up(stack, target, 60)
    window_end = time.monotonic()
    errors = Counter(
        f"{e.op} {e.status or e.detail.split(':')[0]}"
        for e in load.events
        if killed <= e.at <= window_end
    )
    return Fault(
        target,
        round(killed - t0, 2),
        round(restarted - killed, 2),
        round(ready, 2),
        caught_up,
        dict(errors),
    )


def _wait_all_ready(stack: ManagedStack, timeout: float) -> None:
    for name in stack.procs:
        stack.wait_ready_one(name, timeout)


async def _caught_up(stack: ManagedStack, target: str, timeout: float) -> float | None:
    """Seconds until the target's durable consumer has no backlog (None: not a consumer)."""
    base = target.rstrip("0123456789")
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            states = await consumer_states(stack.cfg.nats_url)
        except Exception:  # NATS still coming back
            await asyncio.sleep(0.2)
            continue
        mine = {n: s for n, s in states.items() if base in ("nats", "redis") or base in n.lower()}
        if not mine:
            return None
        if all(s["num_pending"] == 0 for s in mine.values()):
            return round(time.monotonic() - started, 2)
        await asyncio.sleep(0.2)
    return None


# --------------------------------------------------------------------------- the run


async def replica_matches_tickets(
    api: Api, load: Load, tickets: dict[str, dict[str, Any]], sample: int = 10
) -> dict[str, Any]:
    """Orders' replica carries each re-priced ticket's latest title and price: a fresh
    buyer orders a few of them (the order embeds orders' copy) and cancels again."""
    verifier = await api.signup("chaos-verifier")
    candidates = [
        t for t in sorted(load.repriced) if tickets.get(t, {}).get("status") == "available"
    ][:sample]
    mismatches: list[str] = []
    for ticket_id in candidates:
        ticket = tickets[ticket_id]
        result = await api.order(verifier, ticket_id)
        if result.status != 201:
            mismatches.append(f"ticket {ticket_id}: order {result.status} {result.body}")
            continue
        seen = result.body["ticket"]
        if (seen["title"], seen["price"]) != (ticket["title"], ticket["price"]):
            mismatches.append(
                f"ticket {ticket_id}: tickets has {ticket['title']!r} "
                f"{ticket['price']}, orders' replica {seen['title']!r} {seen['price']}"
            )
        await api.cancel(verifier, result.body["id"])
    return {"checked": len(candidates), "mismatches": mismatches}


async def run_chaos(cfg: ChaosConfig, out: Path, say: Any = print) -> dict[str, Any]:
    stack_cfg = StackConfig.allocate(
        out / "stack", replicas=cfg.replicas, expiration_window=cfg.window
    )
    stack = ManagedStack(stack_cfg, exclude=cfg.exclude)
    data: dict[str, Any] = {"config": asdict(cfg), "stack_url": stack_cfg.url}
    since = time.time() - 1
    try:
        data["start_s"] = round(await asyncio.to_thread(stack.start_all), 2)
        targets = cfg.targets or default_targets(stack)
        say(f"stack up in {data['start_s']}s on {stack_cfg.url}; faults: {', '.join(targets)}")
        async with Api(stack_cfg.url, max_in_flight=cfg.workers * 3, timeout=10) as api:
            sellers = await api.users(cfg.sellers, "chaos-seller")
            buyers = await api.users(cfg.buyers, "chaos-buyer")
            load = Load(api, sellers, buyers)
            t0 = time.monotonic()
            running = asyncio.create_task(load.run(cfg.workers))
            faults: list[Fault] = []
            await asyncio.sleep(cfg.between_s)  # load before the first fault
            for target in targets:
                say(f"  t+{time.monotonic() - t0:5.1f}s kill -9 {target}")
                fault = await inject(stack, target, cfg.down_s, load, t0)
                say(
                    f"  t+{time.monotonic() - t0:5.1f}s {target} back, ready after "
                    f"{fault.ready_after_restart_s}s, consumer caught up after "
                    f"{'-' if fault.caught_up_s is None else fault.caught_up_s}s; "
                    f"errors meanwhile {fault.errors_meanwhile}"
                )
                faults.append(fault)
                await asyncio.sleep(cfg.between_s)  # load between faults
            load.stopping = True
            await running
            stopped = time.monotonic()
            say(f"  t+{stopped - t0:5.1f}s load stopped; waiting for convergence")
            result = await converge(
                api,
                sellers,
                buyers,
                stack_cfg.nats_url,
                stack_cfg.stripe_url,
                cfg.converge_timeout + cfg.window,
                load.charges,
                since,
            )
            fault_windows = [
                (f.killed_at_s, f.killed_at_s + f.down_s + f.ready_after_restart_s + 2.0)
                for f in faults
            ]
            unexplained = [
                asdict(e) | {"at": round(e.at - t0, 2)}
                for e in load.events
                if not any(a <= e.at - t0 <= b for a, b in fault_windows)
            ]
            internal = [
                asdict(e) | {"at": round(e.at - t0, 2)} for e in load.events if e.status == 500
            ]
            replica = await replica_matches_tickets(api, load, result.snapshot.tickets)
            # Every hold placed during the run has now passed its expiry: check again, so
            # each hold's fate (paid, cancelled or expired) is verified, not just the early ones.
            last_expiry = max(
                (parse_time(o["expiresAt"]) for o in result.snapshot.orders.values()), default=0.0
            )
            await asyncio.sleep(max(0.0, last_expiry + EXPIRY_GRACE_S - time.time()))
            final = await converge(
                api,
                sellers,
                buyers,
                stack_cfg.nats_url,
                stack_cfg.stripe_url,
                30,
                load.charges,
                since,
            )
            if result.converged and not final.converged:
                result = final  # report what broke after the holds expired
            data |= {
                "after_every_expiry": {
                    "converged": final.converged,
                    "problems": final.problems[:50],
                    "state": summary(final.snapshot),
                },
                "orders_replica_check": replica,
                "load_s": round(stopped - t0, 1),
                "faults": [asdict(f) for f in faults],
                "outcomes": dict(sorted(load.outcomes.items())),
                "converged": result.converged,
                "converge_s_after_load_stopped": round(result.seconds, 2),
                "converge_polls": result.polls,
                "converge_history": result.history,
                "problems": result.problems[:100],
                "problem_count": len(result.problems),
                "final_state": summary(result.snapshot),
                "errors_outside_fault_windows": unexplained[:50],
                "internal_server_errors_500": internal[:50],
                "processes_alive_at_end": {
                    n: http_ok(m.ready_url) if m.ready_url else m.running
                    for n, m in stack.procs.items()
                },
            }
    finally:
        await asyncio.to_thread(stack.stop_all)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.chaos",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="the short version (as in make test)")
    parser.add_argument("--targets", help="comma-separated Procfile names to kill, in order")
    parser.add_argument("--down", type=float, help="seconds each killed process stays down")
    parser.add_argument("--between", type=float, help="seconds of load between faults")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--exclude", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    cfg = ChaosConfig(**asdict(QUICK)) if args.quick else ChaosConfig()
    cfg.replicas = args.replicas
    if args.targets:
        cfg.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if args.down is not None:
        cfg.down_s = args.down
    if args.between is not None:
        cfg.between_s = args.between
    if args.workers is not None:
        cfg.workers = args.workers
    cfg.exclude = args.exclude
    console = Console()
    out = run_dir("chaos")
    data: dict[str, Any] = {"run": out.name, "machine": report.machine()}
    try:
        data |= asyncio.run(
            run_chaos(cfg, out, lambda m: console.print(m, markup=False, highlight=False))
        )
    except Exception as exc:  # written to the report
        data |= {"config": asdict(cfg), "aborted": f"{type(exc).__name__}: {exc}"[:4000]}
    json_path, md_path = report.write(out, "chaos", data, markdown(data))
    console.print(md_path.read_text(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"reports: {json_path} and {md_path}")
    ok = (
        data.get("converged")
        and data.get("after_every_expiry", {}).get("converged")
        and not data.get("orders_replica_check", {}).get("mismatches")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
