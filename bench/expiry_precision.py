"""The expiry workload: holds placed as fast as the stack takes them, then left to expire.

How late after its `expiresAt` each order is cancelled (the timer, or the sweeper if the
timer missed it) and its ticket released, from the events seen on the bus; then what the
API shows. Measured and reported, never asserted.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from rich.progress import Progress

from bench.scenarios import Phase, buyers_for, list_tickets, wait_orderable
from harness.client import Api, User, latency_summary
from harness.events import EventTap, parse_time


async def expiry(
    api: Api,
    tap: EventTap,
    holds: int,
    window: int,
    progress: Progress | None,
    jwt_key: str | None = None,
) -> dict[str, Any]:
    """`holds` orders created as fast as the stack takes them, then left to expire."""
    seller = await api.signup("expiry-seller")
    per_buyer = 20
    buyers, _ = await buyers_for(
        api, max(1, -(-holds // per_buyer)), "expiry-buyer", progress, 5, jwt_key
    )
    listed = await list_tickets(api, seller, holds, progress, "expiry tickets")
    ticket_ids = [t["id"] for t in listed]
    await wait_orderable(api, seller, ticket_ids, progress=progress)

    phase = Phase.start(progress, f"place {holds} holds", holds)
    orders: dict[str, dict[str, Any]] = {}
    buyer_of: dict[str, User] = {}
    failures: Counter[str] = Counter()

    async def hold(i: int, ticket_id: str) -> None:
        result = await api.order(buyers[i // per_buyer], ticket_id)
        phase.advance()
        if result.status == 201:
            orders[result.body["id"]] = result.body
            buyer_of[result.body["id"]] = buyers[i // per_buyer]
        else:
            failures[str(result.status)] += 1

    started = time.perf_counter()
    await asyncio.gather(*(hold(i, t) for i, t in enumerate(ticket_ids)))
    placing_s = time.perf_counter() - started
    expires = {oid: parse_time(o["expiresAt"]) for oid, o in orders.items()}
    if not expires:
        return {"holds": holds, "placed": 0, "failures": dict(failures)}
    first_due, last_due = min(expires.values()), max(expires.values())

    phase = Phase.start(progress, f"wait for {len(orders)} expiries", len(orders))

    def cancelled_ids() -> set[str]:
        ids = {str(e.payload.get("id")) for e in tap.events if e.subject == "order.cancelled"}
        return ids & orders.keys()

    def progressed() -> bool:
        done = len(cancelled_ids())
        if phase.progress is not None and phase.task is not None:
            phase.progress.update(phase.task, completed=done)
        return done == len(orders)

    timeout = max(0.0, last_due - time.time()) + 60
    all_seen = await tap.wait_for(progressed, timeout)
    ticket_of = {oid: o["ticket"]["id"] for oid, o in orders.items()}
    await tap.wait_for(lambda: _released(tap, ticket_of) >= len(orders), 10)

    cancel_at = _first_arrival(tap, "order.cancelled", "id", orders.keys())
    timer_at = _first_arrival(tap, "expiration.complete", "orderId", orders.keys())
    release_at: dict[str, float] = {}
    for e in tap.events:
        if e.subject == "ticket.updated" and e.payload.get("status") == "available":
            release_at.setdefault(str(e.payload.get("id")), e.arrived)
    cancel_late = [cancel_at[o] - expires[o] for o in orders if o in cancel_at]
    timer_late = [timer_at[o] - expires[o] for o in orders if o in timer_at]
    release_late = [
        release_at[ticket_of[o]] - expires[o] for o in orders if ticket_of[o] in release_at
    ]
    by_sweeper = [o for o in cancel_at if o not in timer_at]
    early = [o for o in cancel_at if cancel_at[o] < expires[o]]

    # What the API shows afterwards: every order cancelled, every ticket available again.
    not_cancelled = await _api_check(api, orders, buyer_of, ticket_of)
    return {
        "holds": holds,
        "placed": len(orders),
        "place_failures": dict(failures),
        "placing_s": round(placing_s, 2),
        "window_s": window,
        "expires_at_spread_s": round(last_due - first_due, 2),
        "all_cancelled_events_seen": all_seen,
        "order_cancelled_event_lateness_ms": latency_summary(cancel_late),
        "expiration_timer_lateness_ms": latency_summary(timer_late),
        "ticket_released_event_lateness_ms": latency_summary(release_late),
        "over_2s_late_order": sum(1 for x in cancel_late if x > 2),
        "over_2s_late_ticket": sum(1 for x in release_late if x > 2),
        "cancelled_before_expiry": len(early),
        "cancelled_by_sweeper_not_timer": len(by_sweeper),
        "api_check": not_cancelled,
    }


def _first_arrival(tap: EventTap, subject: str, key: str, ids: Any) -> dict[str, float]:
    wanted = set(ids)
    out: dict[str, float] = {}
    for e in tap.events:
        value = str(e.payload.get(key))
        if e.subject == subject and value in wanted:
            out.setdefault(value, e.arrived)
    return out


def _released(tap: EventTap, ticket_of: dict[str, str]) -> int:
    tickets = set(ticket_of.values())
    return len(
        {
            e.payload.get("id")
            for e in tap.events
            if e.subject == "ticket.updated"
            and e.payload.get("status") == "available"
            and e.payload.get("id") in tickets
        }
    )


async def _api_check(
    api: Api,
    orders: dict[str, dict[str, Any]],
    buyer_of: dict[str, User],
    ticket_of: dict[str, str],
) -> dict[str, Any]:
    bad_orders: list[str] = []
    bad_tickets: list[str] = []

    async def one(order_id: str) -> None:
        seen = await api.get_order(buyer_of[order_id], order_id)
        if seen.status != 200 or seen.body["status"] != "cancelled":
            bad_orders.append(f"{order_id}: {seen.status} {getattr(seen, 'body', None)}")
        ticket = await api.ticket(ticket_of[order_id])
        if ticket.status != 200 or ticket.body["status"] != "available":
            bad_tickets.append(f"{ticket_of[order_id]}: {ticket.status} {ticket.body}")

    await asyncio.gather(*(one(o) for o in orders if o in buyer_of))
    return {
        "orders_not_cancelled": len(bad_orders),
        "tickets_not_available": len(bad_tickets),
        "examples": (bad_orders + bad_tickets)[:10],
    }
