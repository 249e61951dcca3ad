"""The bench's workloads, each an async function returning a JSON-able dict.

All traffic goes through the ingress. Timing figures are measured and reported,
never asserted; invariants (no double hold or sale, every 201 a real hold) are
checked and reported as violations.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.progress import Progress, TaskID

from harness.client import Api, Result, Tally, User, latency_summary, mint_user, poll
from harness.events import EventTap

ACTIVE = ("created", "complete")


@dataclass
class Phase:
    """A progress bar for one phase (no-op without a display)."""

    progress: Progress | None
    task: TaskID | None = None

    @classmethod
    def start(cls, progress: Progress | None, label: str, total: int) -> Phase:
        task = progress.add_task(label, total=total) if progress is not None else None
        return cls(progress, task)

    def advance(self, n: int = 1) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, n)

    def done(self) -> None:
        if self.progress is not None and self.task is not None:
            task = self.progress.tasks[self.task]
            self.progress.update(self.task, completed=task.total)


async def signups(
    api: Api, n: int, prefix: str, progress: Progress | None
) -> tuple[list[User], float]:
    phase = Phase.start(progress, f"sign up {n} {prefix}s", n)
    started = time.perf_counter()

    async def one() -> User:
        user = await api.signup(prefix)
        phase.advance()
        return user

    users = list(await asyncio.gather(*(one() for _ in range(n))))
    return users, time.perf_counter() - started


async def buyers_for(
    api: Api, n: int, prefix: str, progress: Progress | None, real: int, jwt_key: str | None
) -> tuple[list[User], dict[str, Any]]:
    """`real` buyers signed up through auth (timed), the rest with minted sessions."""
    real = n if jwt_key is None else min(real, n)
    signed_up, seconds = await signups(api, real, prefix, progress) if real else ([], 0.0)
    minted = [mint_user(jwt_key, prefix) for _ in range(n - real)] if jwt_key else []
    stats = {
        "signed_up": real,
        "minted_sessions": len(minted),
        "signup_s": round(seconds, 2),
        "signups_per_s": round(real / seconds, 1) if seconds else None,
    }
    return signed_up + minted, stats


async def list_tickets(
    api: Api, seller: User, n: int, progress: Progress | None, label: str = "tickets"
) -> list[dict[str, Any]]:
    phase = Phase.start(progress, f"list {n} {label}", n)

    async def one(i: int) -> dict[str, Any]:
        result = await api.create_ticket(
            seller, f"Bench {label} #{i} {random.randrange(10**6)}", random.randrange(1_000, 20_000)
        )
        if result.status != 201:
            raise RuntimeError(f"ticket create failed: {result.status} {result.body}")
        phase.advance()
        return dict(result.body)

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def wait_orderable(
    api: Api,
    seller: User,
    ticket_ids: list[str],
    timeout: float = 60,
    progress: Progress | None = None,
) -> list[float]:
    """Seconds until orders knows each ticket (all polled concurrently)."""
    phase = Phase.start(progress, "wait until orderable", len(ticket_ids))

    async def one(ticket_id: str) -> float:
        _, waited = await poll(lambda: api.orderable(seller, ticket_id), bool, timeout, 0.02)
        phase.advance()
        return waited

    return list(await asyncio.gather(*(one(t) for t in ticket_ids)))


# --------------------------------------------------------------------------- checkout


@dataclass
class Attempt:
    buyer: int
    ticket_id: str
    result: Result


async def pay_winners(
    api: Api, users: list[User], wins: list[Attempt], progress: Progress | None
) -> dict[str, Any]:
    """Every winner pays, with a duplicate click: one charge each, then complete and sold."""
    if not wins:
        return {"skipped": "no holds"}
    phase = Phase.start(progress, "checkout: winners pay (twice each)", len(wins))
    tally = Tally()
    per_order: dict[str, list[int]] = defaultdict(list)
    completed_after: list[float] = []
    sold_after: list[float] = []
    violations: list[str] = []

    async def checkout(attempt: Attempt) -> None:
        user = users[attempt.buyer]
        order_id = attempt.result.body["id"]
        first, second = await asyncio.gather(api.pay(user, order_id), api.pay(user, order_id))
        for r in (first, second):
            tally.add(r)
            per_order[order_id].append(r.status)
        if 201 in (first.status, second.status):
            paid_at = time.perf_counter()
            try:
                await poll(
                    lambda: api.get_order(user, order_id),
                    lambda r: r.status == 200 and r.body["status"] == "complete",
                    10,
                    0.02,
                )
                completed_after.append(time.perf_counter() - paid_at)
                await poll(
                    lambda: api.ticket(attempt.ticket_id),
                    lambda r: r.status == 200 and r.body["status"] == "sold",
                    10,
                    0.02,
                )
                sold_after.append(time.perf_counter() - paid_at)
            except TimeoutError as exc:
                violations.append(f"order {order_id} paid but not complete/sold: {exc}")
        phase.advance()

    await asyncio.gather(*(checkout(a) for a in wins))
    charged_twice = [o for o, statuses in per_order.items() if statuses.count(201) > 1]
    for order_id in charged_twice:
        violations.append(f"order {order_id} got two 201 payments")
    return {
        "orders": len(wins),
        "payments": tally.summary(),
        "double_charged_orders": len(charged_twice),
        "paid_orders": sum(1 for s in per_order.values() if 201 in s),
        "pay_to_order_complete_ms": latency_summary(completed_after),
        "pay_to_ticket_sold_ms": latency_summary(sold_after),
        "violations": violations[:50],
        "ok": not violations,
    }


# --------------------------------------------------------------------------- event latency


async def event_latency(
    api: Api, tap: EventTap, samples: int, progress: Progress | None
) -> dict[str, Any]:
    """One change at a time on an otherwise idle stack, polled every 5 ms."""
    seller = await api.signup("latency-seller")
    buyer = await api.signup("latency-buyer")
    created_to_orderable: list[float] = []
    created_to_bus: list[float] = []
    order_to_reserved: list[float] = []
    pay_to_complete: list[float] = []
    pay_to_sold: list[float] = []
    cancel_to_available: list[float] = []
    failures: list[str] = []
    phase = Phase.start(progress, f"event latency x{samples}", samples)

    def status_is(want: str) -> Callable[[Result], bool]:
        return lambda r: r.status == 200 and r.body.get("status") == want

    async def one(i: int) -> str | None:
        """One probe ticket through its life; a failure's description, or None."""
        created = await api.create_ticket(seller, f"Latency probe {i}", 2_500)
        if created.status != 201:
            return f"create: {created.status}"
        t_created = time.perf_counter()
        wall_created = time.time()
        ticket_id = created.body["id"]
        try:
            await poll(lambda: api.orderable(seller, ticket_id), bool, 30)
        except TimeoutError as exc:
            return f"orderable: {exc}"
        created_to_orderable.append(time.perf_counter() - t_created)
        seen = tap.matching("ticket.created", lambda p: p.get("id") == ticket_id)
        if seen:
            created_to_bus.append(seen[0].arrived - wall_created)

        ordered = await api.order(buyer, ticket_id)
        if ordered.status != 201:
            return f"order: {ordered.status} {ordered.body}"
        t_ordered = time.perf_counter()
        order_id = ordered.body["id"]
        try:
            await poll(lambda: api.ticket(ticket_id), status_is("reserved"), 30)
        except TimeoutError as exc:
            return f"reserved: {exc}"
        order_to_reserved.append(time.perf_counter() - t_ordered)

        if i % 2 == 0:  # half are paid, half cancelled
            paid = await api.pay(buyer, order_id)
            if paid.status != 201:
                return f"pay: {paid.status} {paid.body}"
            t_paid = time.perf_counter()
            try:
                await poll(lambda: api.get_order(buyer, order_id), status_is("complete"), 30)
                pay_to_complete.append(time.perf_counter() - t_paid)
                await poll(lambda: api.ticket(ticket_id), status_is("sold"), 30)
                pay_to_sold.append(time.perf_counter() - t_paid)
            except TimeoutError as exc:
                return f"complete/sold: {exc}"
        else:
            cancelled = await api.cancel(buyer, order_id)
            if cancelled.status != 200:
                return f"cancel: {cancelled.status}"
            t_cancelled = time.perf_counter()
            try:
                await poll(lambda: api.ticket(ticket_id), status_is("available"), 30)
            except TimeoutError as exc:
                return f"available: {exc}"
            cancel_to_available.append(time.perf_counter() - t_cancelled)
        return None

    for i in range(samples):
        failure = await one(i)
        if failure:
            failures.append(failure)
        phase.advance()

    return {
        "samples": samples,
        "poll_interval_ms": 5,
        "ticket_created_to_orderable_ms": latency_summary(created_to_orderable),
        "ticket_created_to_event_on_bus_ms": latency_summary(created_to_bus),
        "order_created_to_ticket_reserved_ms": latency_summary(order_to_reserved),
        "payment_to_order_complete_ms": latency_summary(pay_to_complete),
        "payment_to_ticket_sold_ms": latency_summary(pay_to_sold),
        "order_cancelled_to_ticket_available_ms": latency_summary(cancel_to_available),
        "failures": failures[:20],
        "failure_count": len(failures),
    }
