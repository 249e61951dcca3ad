"""Held tickets refused from memory: only what the database showed held, never past a
release this process committed, never longer than the time-to-live."""

from pathlib import Path

import pytest
from sqlalchemy import text

from backend_services.common.db import make_engine, transaction
from backend_services.orders import recent
from backend_services.orders.domain import OrderStatus, Seen
from backend_services.orders.recent import RecentHolds, forget_on_commit
from harness.people import Person
from tests.orders.support import API, Orders, new_id, send, ticket_created
from tests.orders.test_order_events import open_order, settles_at

HELD = Seen("seller", OrderStatus.CREATED)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_refused_from_memory_only_when_every_ticket_was_read_held() -> None:
    recent = RecentHolds(ttl_seconds=1.0)
    recent.keep(recent.before_read(), {"a": HELD, "free": Seen("seller")})
    assert recent.held(["a"]) == {"a": HELD}
    assert recent.held(["a", "free"]) is None  # a ticket read free goes to the database
    assert recent.held(["a", "unknown"]) is None


def test_a_verdict_lasts_the_time_to_live_only() -> None:
    clock = Clock()
    recent = RecentHolds(ttl_seconds=1.0, clock=clock)
    recent.keep(recent.before_read(), {"a": HELD})
    clock.now += 0.9
    assert recent.held(["a"]) == {"a": HELD}
    clock.now += 0.2
    assert recent.held(["a"]) is None
    assert recent.held(["a"], ttls=2) == {"a": HELD}  # while it is being read again
    clock.now += 1.0
    assert recent.held(["a"], ttls=2) is None


def test_a_read_that_spans_a_release_is_not_kept() -> None:
    recent = RecentHolds()
    token = recent.before_read()
    recent.forget(["other"])  # a release committed while the read ran
    recent.keep(token, {"a": HELD})
    assert recent.held(["a"]) is None
    recent.keep(recent.before_read(), {"a": HELD})
    assert recent.held(["a"]) == {"a": HELD}


def test_a_release_is_forgotten_on_commit_not_on_rollback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remembered = RecentHolds(ttl_seconds=3600)  # what the commit hook forgets from
    monkeypatch.setattr(recent, "RECENT_HOLDS", remembered)
    engine = make_engine(f"sqlite:///{tmp_path / 'any.db'}")
    ids = [new_id(), new_id()]
    remembered.keep(remembered.before_read(), dict.fromkeys(ids, HELD))
    with pytest.raises(RuntimeError), transaction(engine) as session:
        forget_on_commit(session, ids[:1])
        session.execute(text("SELECT 1"))
        raise RuntimeError("the release never commits")
    assert remembered.held(ids) is not None
    with transaction(engine) as session:
        forget_on_commit(session, ids[:1])
        session.execute(text("SELECT 1"))
    assert remembered.held(ids[:1]) is None
    assert remembered.held(ids[1:]) == {ids[1]: HELD}
    engine.dispose()


async def test_an_expired_hold_frees_the_ticket_at_once_for_a_refused_buyer(
    orders: Orders, nats_url: str, buyer: Person
) -> None:
    """The next buyer is refused (from memory, after the first read), the hold expires
    through the consumer, and the very next attempt wins."""
    order = await open_order(orders, nats_url, buyer)
    ticket = {"ticketId": order["ticket"]["id"]}
    other = Person("other")
    for _ in range(3):
        refused = await orders.client.post(API, json=ticket, headers=other.headers)
        assert refused.status_code == 409
    await send(nats_url, "expiration.complete", {"orderId": order["id"]})
    await settles_at(orders, buyer, order["id"], ("cancelled", 1))
    held = await orders.client.post(API, json=ticket, headers=other.headers)
    assert held.status_code == 201, held.text


async def test_memory_words_a_refusal_as_the_database_does(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    """The seller asking for their own held ticket gets the 400, not the 409, every time."""
    ticket_id = new_id()
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id))
    await orders.replica_at(ticket_id, 0)
    ticket = {"ticketId": ticket_id}
    assert (await orders.client.post(API, json=ticket, headers=buyer.headers)).status_code == 201
    for _ in range(2):
        own = await orders.client.post(API, json=ticket, headers=seller.headers)
        assert own.status_code == 400
        assert own.json()["errors"][0]["message"] == "You cannot buy your own ticket"
    late = await orders.client.post(API, json=ticket, headers=Person("late").headers)
    assert late.json()["errors"][0]["message"] == "Ticket is already reserved"
