"""The on-sale spike and its baseline, driven by wrk through the ingress.

N signed-in buyers race for M tickets (`POST /api/orders`, every request the next
buyer's cookie and a random ticket) for a fixed time at a fixed number of
connections; the baseline is `GET /api/users/healthz` through the same nginx at the
same connections, just before, on the same stack. The figure that survives a noisy
machine is their ratio. Then the invariants: exactly one hold per ticket, every 201
visible to its buyer, the replicas converged (`harness.invariants`), and every winner
pays twice at once (one charge).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.progress import Progress

from bench import generator, scenarios
from harness import invariants
from harness.client import Api, Result, User
from harness.events import parse_time

BASELINE_PATH = "/api/users/healthz"


async def prepare(
    api: Api, params: dict[str, Any], progress: Progress | None, jwt_key: str | None
) -> tuple[User, list[str], list[User], dict[str, Any]]:
    """A seller, their tickets known to orders, buyers (the first `signups` through auth)."""
    tickets, buyers = params["tickets"], params["buyers"]
    seller = await api.signup("seller")
    listed = await scenarios.list_tickets(api, seller, tickets, progress, "on-sale tickets")
    ticket_ids = [t["id"] for t in listed]
    await scenarios.wait_orderable(api, seller, ticket_ids, progress=progress)
    users, sessions = await scenarios.buyers_for(
        api, buyers, "buyer", progress, params["signups"], jwt_key
    )
    return seller, ticket_ids, users, sessions


async def spike(
    api: Api,
    url: str,
    nats_url: str,
    out: Path,
    params: dict[str, Any],
    progress: Progress | None,
    jwt_key: str | None,
    processes: Callable[[], dict[str, list[int]]],
) -> dict[str, Any]:
    """Baseline, then the race, then every invariant; `processes` names the stack's pids."""
    seller, ticket_ids, users, sessions = await prepare(api, params, progress, jwt_key)
    data = generator.write_data(out / "spike-data.txt", [u.token for u in users], ticket_ids)

    def load(mode: str, target: str, data_file: Path | None = None) -> generator.Load:
        return generator.Load(
            url=url + target,
            mode=mode,
            connections=params["connections"],
            seconds=params["seconds"],
            data=data_file,
        )

    baseline = await asyncio.to_thread(
        generator.run, load("get", BASELINE_PATH), out / "wrk-baseline.json", processes()
    )
    race = await asyncio.to_thread(
        generator.run, load("spike", "/api/orders", data), out / "wrk-spike.json", processes()
    )
    wins = race.pop("wins")
    checks = await check(api, nats_url, seller, users, ticket_ids, wins, race["requests"])
    by_id = {u.id: i for i, u in enumerate(users)}
    attempts = [
        scenarios.Attempt(by_id[w["userId"]], w["ticket"]["id"], Result(201, 0.0, w))
        for w in wins
        if w["userId"] in by_id
    ]
    checkout = await scenarios.pay_winners(api, users, attempts, progress)
    ratio = race["requests_per_s"] / baseline["requests_per_s"] if baseline["requests_per_s"] else 0
    return {
        "tickets": len(ticket_ids),
        "buyers": len(users),
        "buyers_sessions": sessions,
        "baseline": {"path": BASELINE_PATH, **baseline},
        "race": race,
        "ratio": round(ratio, 3),
        "invariants": checks,
        "checkout": checkout,
    }


async def check(
    api: Api,
    nats_url: str,
    seller: User,
    users: list[User],
    ticket_ids: list[str],
    wins: list[dict[str, Any]],
    attempts: int,
) -> dict[str, Any]:
    violations: list[str] = []
    per_ticket = Counter(w["ticket"]["id"] for w in wins)
    violations += [f"ticket {t} got {n} holds (201)" for t, n in per_ticket.items() if n > 1]
    violations += await visible_to_buyers(api, users, wins)

    started = time.perf_counter()
    settled = await invariants.converge(api, [seller], users, nats_url, None, timeout=30)
    violations += settled.problems
    active = Counter(
        o["ticket"]["id"]
        for o in settled.snapshot.orders.values()
        if o["status"] in ("created", "complete")
    )
    # With attempts >= 20 x tickets at random, every ticket was tried (miss odds ~e^-20).
    if attempts >= 20 * len(ticket_ids):
        violations += [
            f"ticket {t} has {active[t]} holds, not 1" for t in ticket_ids if active[t] != 1
        ]
    seen = {w["id"] for w in wins}
    unacknowledged = [o for o in settled.snapshot.orders if o not in seen]
    return {
        "ok": not violations,
        "violations": violations[:50],
        "violation_count": len(violations),
        "holds_201": len(wins),
        "tickets_held": sum(1 for t in ticket_ids if active[t]),
        "orders_in_system": len(settled.snapshot.orders),
        # A 201 cut off by wrk's deadline or a timeout is still a hold: counted, not a fault.
        "holds_not_seen_by_generator": len(unacknowledged),
        "converged_s": round(time.perf_counter() - started, 2),
    }


async def visible_to_buyers(api: Api, users: list[User], wins: list[dict[str, Any]]) -> list[str]:
    """Every 201 is a real hold its buyer can read: that ticket, still held (or expired)."""
    by_id = {u.id: u for u in users}
    problems: list[str] = []

    async def one(order: dict[str, Any]) -> None:
        buyer = by_id.get(order["userId"])
        if buyer is None:
            problems.append(f"201 order {order['id']} names an unknown buyer {order['userId']}")
            return
        seen = await api.get_order(buyer, order["id"])
        if seen.status != 200:
            problems.append(f"201 order {order['id']} not readable by its buyer: {seen.status}")
            return
        body = seen.body
        expired = parse_time(body["expiresAt"]) <= time.time()
        if body["ticket"]["id"] != order["ticket"]["id"]:
            problems.append(f"order {order['id']} holds another ticket {body['ticket']['id']}")
        if body["status"] not in ("created", "complete") and not (
            body["status"] == "cancelled" and expired
        ):
            problems.append(f"order {order['id']} is {body['status']} right after its 201")

    await asyncio.gather(*(one(w) for w in wins))
    return problems


def markdown(spike: dict[str, Any]) -> list[str]:
    base, race, inv, co = spike["baseline"], spike["race"], spike["invariants"], spike["checkout"]
    gen, bgen = race["generator"], base["generator"]
    sessions = spike["buyers_sessions"]

    def lat(r: dict[str, Any]) -> str:
        return " / ".join(f"{r['latency_ms'][k]:.0f}" for k in ("p50", "p90", "p99"))

    out = [
        "## On-sale spike (wrk)",
        "",
        f"{spike['buyers']} signed-in buyers racing for {spike['tickets']} tickets, "
        f"`POST /api/orders` with wrk ({gen['threads']} threads, {gen['connections']} "
        f"connections, {race['duration_s']:.0f} s); baseline `GET {base['path']}` through "
        "the same ingress at the same connections just before.",
        "",
        "| figure | spike | baseline |",
        "|---|---|---|",
        f"| requests/s | **{race['requests_per_s']}** | {base['requests_per_s']} |",
        f"| **spike ÷ baseline** | **{spike['ratio']:.2f}** | |",
        f"| latency p50 / p90 / p99 ms | {lat(race)} | {lat(base)} |",
        f"| statuses | {race['statuses']} | {base['statuses']} |",
        f"| 5xx / timeouts / socket errors | {race['server_errors_5xx']} / {race['timeouts']}"
        f" / {race['errors']} | {base['server_errors_5xx']} / {base['timeouts']} |",
        f"| wrk CPU (cores busy) | {gen['cpu_s_from_proc']} s ({gen['cores_used']}) | "
        f"{bgen['cpu_s_from_proc']} s ({bgen['cores_used']}) |",
        f"| stack CPU s by process | {race['stack_cpu_s']} | {base['stack_cpu_s']} |",
        f"| busiest process, CPU ms per request | {race.get('busiest_cpu_ms_per_request')} | "
        f"{base.get('busiest_cpu_ms_per_request')} |",
        "",
        f"Invariants: {'**hold**' if inv['ok'] else '**VIOLATED**'} ({inv['holds_201']} x 201 "
        f"for {inv['tickets_held']} tickets; {inv['orders_in_system']} orders in the system, "
        f"{inv['holds_not_seen_by_generator']} not seen by wrk; converged in "
        f"{inv['converged_s']} s). Checkout: {co.get('paid_orders')} paid, "
        f"{co.get('double_charged_orders')} double charges. Buyers: {sessions['signed_up']} "
        f"signed up through auth ({sessions['signups_per_s']}/s), "
        f"{sessions['minted_sessions']} minted with the stack's JWT_KEY.",
        "",
    ]
    out += [f"- VIOLATION: {v}" for v in inv["violations"] + co.get("violations", [])]
    return out
