"""Two processes per stateless service (REPLICAS=2): every event takes effect exactly once
per service.

The stack is the launcher's own Procfile with REPLICAS=2 (two auth, tickets, orders and
payments processes behind the ingress, sharing each service's durable consumers). After
a purchase workload (reserve, race, pay, cancel, expire, resell) the event stream and
the APIs must show each change applied once: one `ticket.created` per ticket; per
ticket, `ticket.updated` versions 1..k with k the number of order events for it and
k the ticket's final version; per order, versions 0..n with one terminal event; one
`payment.captured` per paid order; no message id stored twice; every durable consumer
drained; and the cross-service invariants of harness.invariants.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from contracts import topology
from harness.client import Api, Result, User, poll, run_sync
from harness.events import StoredEvent, read_stream
from harness.invariants import converge
from harness.managed import ManagedStack
from harness.stack import StackConfig, http_ok
from tests.system.ui.conftest import ticket_card, wait_ready

# Seconds a hold lasts: some holds are left to expire. Payments v2: orders rejects an
# authorization that lands after expiresAt, so the paid holds must outlast paying for
# them on a busy two-core machine with every service doubled.
WINDOW = 15
TICKETS = 24


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedStack]:
    var: Path = tmp_path_factory.mktemp("replicas")
    cfg = StackConfig.allocate(var, replicas=2, expiration_window=WINDOW)
    stack = ManagedStack(cfg, with_ui=True)  # the UI as two granian workers sharing Redis
    with stack:
        yield stack


def test_each_stateless_service_runs_two_ready_processes(replicated: ManagedStack) -> None:
    for base in (s.name for s in topology.apis()):
        names = [n for n in replicated.procs if n.rstrip("0123456789") == base]
        assert len(names) == 2, names
        for name in names:
            assert http_ok(str(replicated.procs[name].ready_url)), name


async def pay(api: Api, user: User, order_id: str) -> Result:
    """Pay as soon as payments has heard of the order (its replica follows events)."""
    result, _ = await poll(lambda: api.pay(user, order_id), lambda r: r.status != 404, 15, 0.05)
    return result


async def workload(cfg: StackConfig) -> dict[str, Any]:
    since = time.time() - 1
    async with Api(cfg.url, max_in_flight=24) as api:
        seller = await api.signup("replica-seller")
        buyers = await api.users(4, "replica-buyer")
        created = await asyncio.gather(
            *(api.create_ticket(seller, f"Replica #{i}", 1_000 + i) for i in range(TICKETS))
        )
        assert all(r.status == 201 for r in created), [r.status for r in created]
        tickets = [r.body["id"] for r in created]
        await asyncio.gather(
            *(poll(lambda t=t: api.orderable(seller, t), bool, 30, 0.02) for t in tickets)
        )

        # Two buyers race for every ticket (through both orders processes): one hold each.
        async def race(ticket_id: str) -> tuple[User, dict[str, Any]]:
            a, b = buyers[0], buyers[1]
            first, second = await asyncio.gather(api.order(a, ticket_id), api.order(b, ticket_id))
            assert sorted([first.status, second.status]) == [201, 409], (first, second)
            return (a, first.body) if first.status == 201 else (b, second.body)

        holds = list(await asyncio.gather(*(race(t) for t in tickets)))
        paid, cancelled = holds[:8], holds[8:16]  # the last 8 are left to expire
        pays = await asyncio.gather(*(pay(api, user, order["id"]) for user, order in paid))
        assert all(r.status == 201 for r in pays), [(r.status, r.body) for r in pays]
        charges = {r.body["stripeId"]: r.body["orderId"] for r in pays}
        cancels = await asyncio.gather(*(api.cancel(u, o["id"]) for u, o in cancelled))
        assert all(r.status == 200 for r in cancels), [r.status for r in cancels]

        # Resell the cancelled tickets once they are available again.
        resold = []
        for _, order in cancelled[:4]:
            ticket_id = order["ticket"]["id"]
            result, _ = await poll(
                lambda t=ticket_id: api.order(buyers[2], t), lambda r: r.status == 201, 10, 0.05
            )
            resold.append((buyers[2], result.body))
        pays = await asyncio.gather(*(pay(api, u, o["id"]) for u, o in resold))
        assert all(r.status == 201 for r in pays), [(r.status, r.body) for r in pays]
        charges |= {r.body["stripeId"]: r.body["orderId"] for r in pays}

        # The holds left alone expire (cancelled by their timers), then everything settles.
        left = holds[16:]
        await asyncio.gather(
            *(
                poll(
                    lambda u=u, o=o: api.get_order(u, o["id"]),
                    lambda r: r.status == 200 and r.body["status"] == "cancelled",
                    WINDOW + 15,
                    0.1,
                )
                for u, o in left
            )
        )
        settled = await converge(
            api, [seller], buyers, cfg.nats_url, cfg.stripe_url, 60 + WINDOW, charges, since
        )
        return {
            "tickets": tickets,
            "expired": [o["id"] for _, o in holds[16:]],
            "paid": [o["id"] for _, o in paid + resold],
            "problems": settled.problems,
            "final_tickets": settled.snapshot.tickets,
            "final_orders": settled.snapshot.orders,
        }


@pytest.fixture(scope="module")
def outcome(replicated: ManagedStack) -> dict[str, Any]:
    started = time.time()
    result = run_sync(workload(replicated.cfg))
    result["stream"] = run_sync(read_stream(replicated.cfg.nats_url))
    result["started"] = started
    return result


def test_the_system_converges(outcome: dict[str, Any]) -> None:
    assert not outcome["problems"], "\n".join(outcome["problems"])


def test_no_message_id_is_stored_twice(outcome: dict[str, Any]) -> None:
    stream: list[StoredEvent] = outcome["stream"]
    ids = Counter(e.msg_id for e in stream)
    assert None not in ids, "an event was published without Nats-Msg-Id"
    assert [i for i, n in ids.items() if n > 1] == []


def test_each_ticket_change_is_applied_once(outcome: dict[str, Any]) -> None:
    stream: list[StoredEvent] = outcome["stream"]
    created = Counter(e.payload["id"] for e in stream if e.subject == "ticket.created")
    order_events: Counter[str] = Counter()
    updates: dict[str, list[int]] = defaultdict(list)
    for e in stream:
        if e.subject in ("order.created", "order.cancelled", "order.completed"):
            order_events[e.payload["ticket"]["id"]] += 1
        elif e.subject == "ticket.updated":
            updates[e.payload["id"]].append(e.payload["version"])
    for ticket_id in outcome["tickets"]:
        assert created[ticket_id] == 1, ticket_id
        versions = updates[ticket_id]
        k = order_events[ticket_id]
        assert sorted(versions) == list(range(1, k + 1)), (ticket_id, versions, k)
        assert outcome["final_tickets"][ticket_id]["version"] == k, ticket_id


def test_each_order_change_is_applied_once(outcome: dict[str, Any]) -> None:
    stream: list[StoredEvent] = outcome["stream"]
    per_order: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for e in stream:
        if e.subject in ("order.created", "order.cancelled", "order.completed"):
            per_order[e.payload["id"]].append((e.subject, e.payload["version"]))
    payments = Counter(e.payload["orderId"] for e in stream if e.subject == "payment.captured")
    expirations = Counter(
        e.payload["orderId"] for e in stream if e.subject == "expiration.complete"
    )
    final = outcome["final_orders"]
    for order_id, events in per_order.items():
        subjects = [s for s, _ in events]
        assert subjects.count("order.created") == 1, (order_id, events)
        terminal = [s for s in subjects if s != "order.created"]
        assert len(terminal) <= 1, (order_id, events)
        assert sorted(v for _, v in events) == list(range(len(events))), (order_id, events)
        if order_id in final:
            assert final[order_id]["version"] == len(events) - 1, (order_id, events)
    for order_id in outcome["paid"]:
        assert payments[order_id] == 1, order_id
        assert final[order_id]["status"] == "complete", order_id
    for order_id in outcome["expired"]:
        assert expirations[order_id] == 1, order_id
        assert final[order_id]["status"] == "cancelled", order_id
    assert all(n == 1 for n in payments.values()), payments


def test_replicas_share_one_durable_consumer_per_service(replicated: ManagedStack) -> None:
    from harness.events import consumer_states

    states = run_sync(consumer_states(replicated.cfg.nats_url))
    assert states, "no durable consumers"
    for name, state in states.items():
        assert state["num_pending"] == 0 and state["num_ack_pending"] == 0, (name, state)
    # one consumer per service, whatever the number of processes
    assert not [n for n in states if n.rstrip("0123456789") != n], states


VIEWERS = 6


def test_live_updates_reach_viewers_on_both_ui_processes(
    replicated: ManagedStack, browser: Browser
) -> None:
    """Each UI worker consumes every event for its own sockets: with viewers spread over
    the two workers, every one of them sees a new listing without reloading."""
    url = replicated.cfg.url
    contexts = [browser.new_context() for _ in range(VIEWERS)]
    try:
        pages = [context.new_page() for context in contexts]
        for page in pages:
            page.goto(url + "/")
            wait_ready(page)
        title = f"Replica gig {uuid.uuid4().hex[:8]}"
        with httpx.Client(base_url=url, timeout=10) as seller:
            email = f"live-{uuid.uuid4().hex[:8]}@example.com"
            seller.post("/api/users/signup", json={"email": email, "password": "password123"})
            assert (
                seller.post("/api/tickets", json={"title": title, "price": 2500}).status_code == 201
            )
        for page in pages:
            expect(ticket_card(page, title)).to_be_visible(timeout=10_000)
        workers = _ui_worker_count(replicated)
        assert workers == 2, f"expected two UI worker processes, found {workers}"
    finally:
        for context in contexts:
            context.close()


def _ui_worker_count(stack: ManagedStack) -> int:
    """Processes running live-update consumers, from the UI's log (one line each)."""
    log = stack.cfg.var / "log"
    lines = [
        line
        for path in log.glob("*ui*")
        for line in path.read_text(errors="replace").splitlines()
        if "live updates: ordered consumer" in line
    ]
    return len(lines)
