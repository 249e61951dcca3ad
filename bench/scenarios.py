"""The bench's workloads, each an async function returning a JSON-able dict.

All traffic goes through the ingress. Timing figures are measured and reported,
never asserted; invariants (no double hold or sale, every 201 a real hold) are
checked and reported as violations.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.progress import Progress, TaskID

from harness.client import Api, Result, Tally, User, latency_summary, mint_user, poll
from harness.events import EventTap, parse_time

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


# --------------------------------------------------------------------------- baseline


async def baseline(
    api: Api, requests: int, progress: Progress | None, path: str = "/api/tickets/healthz"
) -> dict[str, Any]:
    """A trivial endpoint through the same ingress at the same concurrency."""
    phase = Phase.start(progress, f"baseline GET {path}", requests)
    tally = Tally()

    async def one() -> None:
        tally.add(await api.call("GET", path))
        phase.advance()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    duration = time.perf_counter() - started
    return {
        "path": path,
        "duration_s": round(duration, 3),
        "requests_per_s": round(requests / duration, 1),
        **tally.summary(),
    }


# --------------------------------------------------------------------------- on-sale spike


@dataclass
class Attempt:
    buyer: int
    ticket_id: str
    result: Result


async def spike(
    api: Api,
    tickets: int,
    buyers: int,
    attempts_per_buyer: int,
    progress: Progress | None,
    jwt_key: str | None = None,
    real_signups: int = 50,
) -> dict[str, Any]:
    seller = await api.signup("seller")
    listed = await list_tickets(api, seller, tickets, progress, "on-sale tickets")
    ticket_ids = [t["id"] for t in listed]
    await wait_orderable(api, seller, ticket_ids, progress=progress)
    users, signup_stats = await buyers_for(api, buyers, "buyer", progress, real_signups, jwt_key)

    # The race: every buyer at once, each trying up to N random tickets until one holds.
    phase = Phase.start(progress, f"race: {buyers} buyers for {tickets} tickets", buyers)
    attempts: list[Attempt] = []
    tally = Tally()

    async def buyer(index: int, user: User) -> None:
        for ticket_id in random.sample(ticket_ids, k=min(attempts_per_buyer, len(ticket_ids))):
            result = await api.order(user, ticket_id)
            attempts.append(Attempt(index, ticket_id, result))
            tally.add(result)
            if result.status == 201:
                break
        phase.advance()

    started = time.perf_counter()
    await asyncio.gather(*(buyer(i, u) for i, u in enumerate(users)))
    duration = time.perf_counter() - started

    unexpected = Counter(a.result.status for a in attempts if a.result.status not in (201, 409))
    race = {
        "duration_s": round(duration, 3),
        "attempts": len(attempts),
        "attempts_per_s": round(len(attempts) / duration, 1),
        "holds_201": tally.statuses.get(201, 0),
        "conflicts_409": tally.statuses.get(409, 0),
        "unexpected_statuses": {str(k): v for k, v in unexpected.items()},
        **tally.summary(),
    }
    wins = [a for a in attempts if a.result.status == 201]
    invariants = await check_spike(api, users, ticket_ids, wins, progress)
    checkout = await pay_winners(api, users, wins, progress)
    return {
        "tickets": tickets,
        "buyers": buyers,
        "attempts_per_buyer": attempts_per_buyer,
        "buyers_sessions": signup_stats,
        "race": race,
        "invariants": invariants,
        "checkout": checkout,
    }


async def check_spike(
    api: Api,
    users: list[User],
    ticket_ids: list[str],
    wins: list[Attempt],
    progress: Progress | None,
) -> dict[str, Any]:
    violations: list[str] = []
    per_ticket = Counter(a.ticket_id for a in wins)
    for ticket_id, n in per_ticket.items():
        if n > 1:
            violations.append(f"ticket {ticket_id} got {n} successful holds (201)")

    # Every 201 is a real hold: the buyer sees it, for that ticket, still held (or expired).
    phase = Phase.start(progress, "check every 201 is a real hold", len(wins))

    async def confirm(attempt: Attempt) -> None:
        order = attempt.result.body
        seen = await api.get_order(users[attempt.buyer], order["id"])
        phase.advance()
        if seen.status != 200:
            violations.append(f"201 order {order['id']} not readable by its buyer: {seen.status}")
            return
        body = seen.body
        expired = parse_time(body["expiresAt"]) <= time.time()
        if body["ticket"]["id"] != attempt.ticket_id:
            violations.append(
                f"order {order['id']} holds {body['ticket']['id']}, not {attempt.ticket_id}"
            )
        if body["status"] not in ("created", "complete") and not (
            body["status"] == "cancelled" and expired
        ):
            violations.append(f"order {order['id']} is {body['status']} right after its 201")

    await asyncio.gather(*(confirm(a) for a in wins))

    # Every order in the system (each buyer's own list): at most one active per ticket,
    # and no hold the buyers were not told about (a 201 lost to a timeout is still a hold).
    phase = Phase.start(progress, "list every buyer's orders", len(users))
    all_orders: list[dict[str, Any]] = []

    async def listing(user: User) -> None:
        result = await api.orders(user)
        phase.advance()
        if result.status != 200:
            violations.append(f"GET /api/orders for {user.email}: {result.status}")
            return
        all_orders.extend(result.body)

    await asyncio.gather(*(listing(u) for u in users))
    active = defaultdict(list)
    for order in all_orders:
        if order["status"] in ACTIVE:
            active[order["ticket"]["id"]].append(order["id"])
    for ticket_id, ids in active.items():
        if len(ids) > 1:
            violations.append(f"ticket {ticket_id} has {len(ids)} active orders: {ids}")
    acknowledged = {a.result.body["id"] for a in wins}
    unacknowledged = [o["id"] for o in all_orders if o["id"] not in acknowledged]

    # Tickets' own view converges to the holds: reserved by the winner, the rest available.
    winner = {a.ticket_id: a.result.body["id"] for a in wins}
    phase = Phase.start(progress, "tickets converge to the holds", len(ticket_ids))
    started = time.perf_counter()

    async def converge(ticket_id: str) -> None:
        want = winner.get(ticket_id)

        def matches(result: Result) -> bool:
            body = result.body if result.status == 200 else {}
            if want is None:
                return body.get("status") == "available" and body.get("orderId") is None
            return body.get("status") in ("reserved", "sold") and body.get("orderId") == want

        try:
            await poll(lambda: api.ticket(ticket_id), matches, 15, 0.05)
        except TimeoutError as exc:
            violations.append(f"ticket {ticket_id} never matched its hold {want}: {exc}")
        phase.advance()

    await asyncio.gather(*(converge(t) for t in ticket_ids))
    return {
        "ok": not violations,
        "violations": violations[:50],
        "violation_count": len(violations),
        "successful_holds": len(wins),
        "distinct_tickets_held": len(per_ticket),
        "orders_in_system": len(all_orders),
        "holds_not_acknowledged_to_buyer": len(unacknowledged),
        "tickets_converged_s": round(time.perf_counter() - started, 3),
    }


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


# --------------------------------------------------------------------------- expiry precision


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
