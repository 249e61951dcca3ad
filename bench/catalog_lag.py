"""How far the catalog's availability trails the tickets service (CONTRACT §7: within a
second of each change), measured from outside through the ingress.

One event; each sample lists a seat under it, holds it, then releases it. After each
change's HTTP answer the event is polled every 5 ms until `available` shows it: the
figure is an upper bound on the read model's lag (the change committed before its
answer went out).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.progress import Progress

from bench.scenarios import Phase
from harness.client import Api, Result, User, latency_summary, poll
from harness.report import ms

POLL_SECONDS = 0.005
DEADLINE_SECONDS = 30.0


async def catalog_lag(api: Api, samples: int, progress: Progress | None) -> dict[str, Any]:
    seller = await api.signup("catalog-seller")
    buyer = await api.signup("catalog-buyer")
    event_id = await _event(api, seller)
    lags: dict[str, list[float]] = {"listed": [], "held": [], "released": []}
    failures: list[str] = []
    phase = Phase.start(progress, f"catalog lag x{samples}", samples)
    for i in range(samples):
        failure = await _sample(api, seller, buyer, event_id, i, lags)
        if failure:
            failures.append(failure)
        phase.advance()
    every = [lag for kind in lags.values() for lag in kind]
    return {
        "samples": samples,
        "poll_interval_ms": POLL_SECONDS * 1000,
        "all_changes_ms": latency_summary(every),
        **{f"{kind}_ms": latency_summary(values) for kind, values in lags.items()},
        "over_1s": sum(1 for lag in every if lag > 1.0),
        "failures": failures[:20],
        "failure_count": len(failures),
    }


async def _event(api: Api, seller: User) -> str:
    starts = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = {
        "name": f"Catalog lag {uuid.uuid4().hex[:8]}",
        "venue": "Bench Hall",
        "city": "Leeds",
        "startsAt": starts,
    }
    created = await api.call("POST", "/api/events", seller, body)
    if created.status != 201:
        raise RuntimeError(f"event: {created.status} {created.body}")
    return str(created.body["id"])


async def _sample(
    api: Api, seller: User, buyer: User, event_id: str, i: int, lags: dict[str, list[float]]
) -> str | None:
    """List, hold and release one seat; the lag of each; a failure's description, or None."""
    before = await _available(api, event_id)
    seat = {"section": "B", "row": str(i // 20), "seat": str(i % 20)}
    listed = await api.call(
        "POST",
        "/api/tickets",
        seller,
        {"title": f"Seat {i}", "price": 2500, "eventId": event_id, **seat},
    )
    if listed.status != 201:
        return f"list: {listed.status} {listed.body}"
    if not await _lag(api, event_id, before + 1, lags["listed"]):
        return "listed: the catalog never counted the seat"
    ticket_id = listed.body["id"]
    await poll(lambda: api.orderable(seller, ticket_id), bool, DEADLINE_SECONDS)
    ordered = await api.order(buyer, ticket_id)
    if ordered.status != 201:
        return f"order: {ordered.status} {ordered.body}"
    if not await _lag(api, event_id, before, lags["held"]):
        return "held: the catalog still counts the held seat"
    cancelled = await api.cancel(buyer, ordered.body["id"])
    if cancelled.status != 200:
        return f"cancel: {cancelled.status}"
    if not await _lag(api, event_id, before + 1, lags["released"]):
        return "released: the catalog never counted the seat again"
    return None


async def _lag(api: Api, event_id: str, want: int, into: list[float]) -> bool:
    started = time.perf_counter()
    try:
        await poll(
            lambda: _available(api, event_id), lambda n: n == want, DEADLINE_SECONDS, POLL_SECONDS
        )
    except TimeoutError:
        return False
    into.append(time.perf_counter() - started)
    return True


async def _available(api: Api, event_id: str) -> int:
    found: Result = await api.call("GET", f"/api/events/{event_id}")
    if found.status != 200:
        raise RuntimeError(f"event {event_id}: {found.status} {found.body}")
    return int(found.body["available"])


def markdown(lag: dict[str, Any]) -> list[str]:
    rows = [
        "## Catalog availability lag (change's HTTP answer → `GET /api/events/{id}` shows it)",
        "",
        "| change | p50 | p95 | p99 | max |",
        "|---|---|---|---|---|",
    ]
    for key, label in (
        ("listed_ms", "seat listed"),
        ("held_ms", "seat held (order 201)"),
        ("released_ms", "hold cancelled"),
        ("all_changes_ms", "**every change**"),
    ):
        s = lag.get(key) or {}
        rows.append(
            f"| {label} | {ms(s, 'p50')} | {ms(s, 'p95')} | {ms(s, 'p99')} | {ms(s, 'max')} |"
        )
    rows += [
        "",
        f"{lag['samples']} samples (3 changes each), {lag['over_1s']} changes over 1 s, "
        f"{lag['failure_count']} failures; polled every {lag['poll_interval_ms']:.0f} ms.",
        "",
    ]
    return rows
