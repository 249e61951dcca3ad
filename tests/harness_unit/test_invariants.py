"""The chaos/bench invariant checker (harness/invariants.py) on orders of several tickets:
pure, on hand-made snapshots."""

from __future__ import annotations

from typing import Any

from harness.invariants import Snapshot, check


def order(order_id: str, status: str, ticket_ids: list[str], total: int) -> dict[str, Any]:
    tickets = [{"id": t, "title": t, "price": 2000} for t in ticket_ids]
    return {
        "id": order_id,
        "status": status,
        "expiresAt": "2099-01-01T00:00:00Z",
        "ticket": tickets[0],
        "tickets": tickets,
        "total": total,
    }


def ticket(ticket_id: str, status: str, order_id: str | None) -> dict[str, Any]:
    return {"id": ticket_id, "status": status, "orderId": order_id}


def test_every_ticket_of_an_order_must_agree_with_tickets() -> None:
    snap = Snapshot(
        taken_at=0,
        orders={"o1": order("o1", "created", ["a", "b"], 4400)},
        tickets={"a": ticket("a", "reserved", "o1"), "b": ticket("b", "available", None)},
    )
    assert check(snap) == ["ticket b is available/None, order o1 is created (want reserved)"]


def test_a_ticket_in_two_active_orders_is_reported() -> None:
    snap = Snapshot(
        taken_at=0,
        orders={
            "o1": order("o1", "created", ["a", "b"], 4400),
            "o2": order("o2", "complete", ["b", "c"], 4400),
        },
    )
    [problem] = check(snap)
    assert problem.startswith("ticket b has 2 active orders")


def test_a_kept_charge_must_be_the_orders_total() -> None:
    charge = {"id": "pi_1", "status": "succeeded", "amount": 4000, "metadata": {"orderId": "o1"}}
    snap = Snapshot(
        taken_at=0, orders={"o1": order("o1", "complete", ["a", "b"], 4400)}, charges=[charge]
    )
    assert check(snap, known_charges={"pi_1": "o1"}) == [
        "charge pi_1 is 4000 cents, order o1 costs 4400"
    ]
