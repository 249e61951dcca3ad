"""What must hold once the system has settled, read only through public interfaces.

* the HTTP API through the ingress (every harness user's orders, every seller's tickets),
* the event stream (JetStream: stored messages and durable consumer states),
* the payment provider (localstripe's PaymentIntents and refunds, through the
  official `stripe` SDK pointed at it).

`snapshot()` gathers it all, `check()` lists every broken invariant; `converge()`
polls both until nothing is broken (or a deadline passes) and reports how long
that took.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from .client import Api, User
from .events import consumer_states, parse_time

EXPIRY_GRACE_S = 3.0  # the contract: cancelled within 2 s of expiresAt; allow polling slack


@dataclass
class Snapshot:
    taken_at: float
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown_to_orders: list[str] = field(default_factory=list)
    charges: list[dict[str, Any]] = field(default_factory=list)
    refunded: set[str] = field(default_factory=set)
    consumers: dict[str, dict[str, int]] = field(default_factory=dict)
    dead_letters: int = 0
    read_errors: list[str] = field(default_factory=list)


async def snapshot(
    api: Api,
    sellers: list[User],
    buyers: list[User],
    nats_url: str | None,
    stripe_url: str | None,
    probe_orderable: bool = True,
    since: float = 0.0,
) -> Snapshot:
    snap = Snapshot(taken_at=time.time())

    async def mine(seller: User) -> None:
        result = await api.call("GET", "/api/tickets/mine", seller)
        if result.status != 200:
            snap.read_errors.append(f"tickets/mine {seller.email}: {result.status}")
            return
        for ticket in result.body:
            snap.tickets[ticket["id"]] = ticket

    async def listing(buyer: User) -> None:
        result = await api.orders(buyer)
        if result.status != 200:
            snap.read_errors.append(f"orders {buyer.email}: {result.status}")
            return
        for order in result.body:
            snap.orders[order["id"]] = order

    await asyncio.gather(*(mine(s) for s in sellers), *(listing(b) for b in buyers))
    if probe_orderable:
        owner = {
            t["userId"]: s for s in sellers for t in snap.tickets.values() if t["userId"] == s.id
        }

        async def known(ticket: dict[str, Any]) -> None:
            seller = owner.get(ticket["userId"])
            if seller is None:
                return
            result = await api.order(seller, ticket["id"])
            if result.status == 404:
                snap.unknown_to_orders.append(ticket["id"])
            elif result.status == 201:  # must never happen; undo and report
                await api.cancel(seller, result.body["id"])
                snap.read_errors.append(f"seller could order own ticket {ticket['id']}")
            elif result.status not in (400, 409):
                snap.read_errors.append(f"orderable probe {ticket['id']}: {result.status}")

        await asyncio.gather(*(known(t) for t in snap.tickets.values()))
    if stripe_url:
        try:
            snap.charges, snap.refunded = await asyncio.to_thread(stripe_state, stripe_url, since)
        except Exception as exc:  # reported, not fatal
            snap.read_errors.append(f"stripe: {type(exc).__name__}: {exc}")
    if nats_url:
        try:
            snap.consumers = await consumer_states(nats_url)
            snap.dead_letters = await dead_letter_count(nats_url)
        except Exception as exc:
            snap.read_errors.append(f"nats: {type(exc).__name__}: {exc}")
    return snap


def stripe_state(
    stripe_url: str, since: float = 0.0, api_key: str = "sk_test_local"
) -> tuple[list[dict[str, Any]], set[str]]:
    """Every PaymentIntent created since `since` (POSIX seconds) and the ids of refunded
    ones, via the official SDK."""
    import stripe

    client = stripe.StripeClient(api_key, base_addresses={"api": stripe_url}, max_network_retries=2)
    intents = [
        pi.to_dict()
        for pi in client.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
        if (getattr(pi, "created", 0) or 0) >= int(since)
    ]
    refunded: set[str] = set()
    for refund in client.v1.refunds.list({"limit": 100}).auto_paging_iter():
        data = refund.to_dict()
        if data.get("status") in ("succeeded", "pending"):
            if data.get("payment_intent"):
                refunded.add(str(data["payment_intent"]))
            if data.get("charge"):
                refunded.add(str(data["charge"]))
    return intents, refunded


async def dead_letter_count(nats_url: str) -> int:
    import nats

    nc = await nats.connect(nats_url, name="bench-reader")
    try:
        info = await nc.jsm().stream_info("DEADLETTERS")
        return int(info.state.messages)
    except Exception:  # no dead-letter stream yet: nothing dead-lettered
        return 0
    finally:
        await nc.close()


def _order_id_of(intent: dict[str, Any]) -> str | None:
    metadata = intent.get("metadata") or {}
    for key in ("orderId", "order_id", "order"):
        if metadata.get(key):
            return str(metadata[key])
    return None


def _charge_id(intent: dict[str, Any]) -> str | None:
    charge = intent.get("latest_charge")
    if isinstance(charge, dict):
        return str(charge.get("id"))
    return str(charge) if charge else None


def _cost(order: dict[str, Any]) -> int:
    """What the buyer is charged: the order's all-in total (its ticket's price before fees)."""
    return int(order.get("total", order["ticket"]["price"]))


def check(
    snap: Snapshot, known_charges: dict[str, str] | None = None, grace: float = EXPIRY_GRACE_S
) -> list[str]:
    """Every broken invariant, one line each (empty: all hold)."""
    problems: list[str] = list(snap.read_errors)
    known_charges = known_charges or {}  # PaymentIntent id -> order id, from 201 responses
    active: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for order in snap.orders.values():
        if order["status"] in ("created", "complete"):
            for held in order.get("tickets") or [order["ticket"]]:  # every ticket it holds
                active[held["id"]].append(order)

    # No ticket held or sold twice.
    for ticket_id, orders in active.items():
        if len(orders) > 1:
            problems.append(
                f"ticket {ticket_id} has {len(orders)} active orders "
                f"{[(o['id'], o['status']) for o in orders]}"
            )

    # Tickets' view equals what the orders say (replicas converged).
    for ticket_id, ticket in snap.tickets.items():
        holding = active.get(ticket_id, [])
        if len(holding) > 1:
            continue
        if not holding:
            if ticket["status"] != "available" or ticket["orderId"] is not None:
                problems.append(
                    f"ticket {ticket_id} is {ticket['status']} (order "
                    f"{ticket['orderId']}) but no active order holds it"
                )
            continue
        order = holding[0]
        want = "reserved" if order["status"] == "created" else "sold"
        if ticket["status"] != want or ticket["orderId"] != order["id"]:
            problems.append(
                f"ticket {ticket_id} is {ticket['status']}/{ticket['orderId']}, "
                f"order {order['id']} is {order['status']} (want {want})"
            )
    for ticket_id in snap.unknown_to_orders:
        problems.append(f"ticket {ticket_id} exists in tickets but orders answers 404")

    # No hold left past its expiry.
    for order in snap.orders.values():
        if order["status"] == "created":
            overdue = snap.taken_at - parse_time(order["expiresAt"])
            if overdue > grace:
                problems.append(f"order {order['id']} still created {overdue:.1f}s after expiresAt")

    # Payments v2: a hold is captured once its order completes and released once the order
    # is cancelled; only an order still awaiting payment may have one outstanding.
    for intent in snap.charges:
        if intent.get("status") != "requires_capture":
            continue
        order_id = _order_id_of(intent) or known_charges.get(intent["id"])
        seen = snap.orders.get(order_id) if order_id else None
        if seen is not None and seen["status"] != "created":
            problems.append(
                f"authorization {intent['id']} still held for order {order_id} "
                f"which is {seen['status']}"
            )

    # Every successful charge belongs to a complete order or was refunded; one per order.
    kept_per_order: Counter[str] = Counter()
    for intent in snap.charges:
        if intent.get("status") != "succeeded":
            continue
        refunded = intent["id"] in snap.refunded or _charge_id(intent) in snap.refunded
        order_id = _order_id_of(intent) or known_charges.get(intent["id"])
        if refunded:
            continue
        if order_id is None:
            problems.append(
                f"charge {intent['id']} ({intent.get('amount')}) names no order "
                "and was not refunded"
            )
            continue
        kept_per_order[order_id] += 1
        seen = snap.orders.get(order_id)
        if seen is None:
            problems.append(f"charge {intent['id']} for order {order_id} not visible to its buyer")
        elif seen["status"] != "complete":
            problems.append(
                f"charge {intent['id']} kept for order {order_id} which is {seen['status']}"
            )
        elif intent.get("amount") != _cost(seen):
            problems.append(
                f"charge {intent['id']} is {intent.get('amount')} cents, order "
                f"{order_id} costs {_cost(seen)}"
            )
    for order_id, n in kept_per_order.items():
        if n > 1:
            problems.append(f"order {order_id} charged {n} times without refund")
    if snap.charges or snap.refunded:  # complete orders must be paid (only when Stripe is read)
        for order in snap.orders.values():
            if order["status"] == "complete" and kept_per_order.get(order["id"], 0) == 0:
                problems.append(f"order {order['id']} is complete with no kept charge")

    # Every event applied: no durable consumer behind, nothing dead-lettered.
    for name, state in snap.consumers.items():
        if state["num_pending"] or state["num_ack_pending"]:
            problems.append(f"consumer {name} behind: {state}")
    if snap.dead_letters:
        problems.append(f"{snap.dead_letters} message(s) on the DEADLETTERS stream")
    return problems


@dataclass
class Convergence:
    converged: bool
    seconds: float
    polls: int
    problems: list[str]
    snapshot: Snapshot
    # what was still wrong along the way: (seconds since the start, problem count, a sample)
    history: list[tuple[float, int, list[str]]] = field(default_factory=list)


async def converge(
    api: Api,
    sellers: list[User],
    buyers: list[User],
    nats_url: str | None,
    stripe_url: str | None,
    timeout: float,
    known_charges: dict[str, str] | None = None,
    since: float = 0.0,
) -> Convergence:
    """Poll the whole system until every invariant holds, or until `timeout`."""
    started = time.monotonic()
    polls = 0
    history: list[tuple[float, int, list[str]]] = []
    while True:
        polls += 1
        snap = await snapshot(api, sellers, buyers, nats_url, stripe_url, since=since)
        problems = check(snap, known_charges)
        elapsed = time.monotonic() - started
        if problems and (not history or history[-1][2] != problems[:3]):
            history.append((round(elapsed, 2), len(problems), problems[:3]))
        if not problems or elapsed > timeout:
            return Convergence(not problems, elapsed, polls, problems, snap, history[-20:])
        await asyncio.sleep(0.5)


def summary(snap: Snapshot) -> dict[str, Any]:
    return {
        "tickets": len(snap.tickets),
        "tickets_by_status": dict(Counter(t["status"] for t in snap.tickets.values())),
        "orders": len(snap.orders),
        "orders_by_status": dict(Counter(o["status"] for o in snap.orders.values())),
        "payment_intents_by_status": dict(Counter(str(i.get("status")) for i in snap.charges)),
        "refunds": len(snap.refunded),
        "consumers": snap.consumers,
        "dead_letters": snap.dead_letters,
    }
