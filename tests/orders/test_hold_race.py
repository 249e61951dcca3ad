"""The create path's two halves: a lock-free read answers visibly held tickets, and the
write lets the database pick exactly one winner among racers that all got past the read.
Real SQLite and PostgreSQL (the `database_url` fixture runs each test on both)."""

import sqlite3
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend_services.common.errors import Conflict
from backend_services.common.sessions import CurrentUser
from backend_services.orders import domain, service
from backend_services.orders.models import HOLDING_ITEM_SQL, Order, OrderItem
from backend_services.orders.recent import RecentHolds
from contracts.rules import Fees
from harness.apps import runtime_of
from harness.people import Person
from tests.orders.support import Orders, new_id, orders_settings, running, send, ticket_created

WINDOW = 60
# Fair use allows every racer here: this file is about who wins one ticket.
FAIR = domain.FairUse(max_active_holds=1000, rehold_cooldown=timedelta(0))
TERMS = domain.Terms(WINDOW, FAIR, Fees())
DB = "orders.db"


async def listed(orders: Orders, nats_url: str, seller: Person) -> str:
    ticket_id = new_id()
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id))
    await orders.replica_at(ticket_id, 0)
    return ticket_id


def holds(engine: Engine, ticket_id: str) -> list[str]:
    """The ids of the orders holding this ticket, as the database has them."""
    query = select(OrderItem.order_id).where(OrderItem.ticket_id == ticket_id, HOLDING_ITEM_SQL)
    with Session(engine) as session:
        return list(session.exec(query))


def race(engine: Engine, wanted: list[list[str]]) -> list[Order | Conflict]:
    """A thread per list of tickets calls the write half at the same instant (a barrier),
    as if every one of them had read its tickets as free."""
    start = threading.Barrier(len(wanted))

    def one(i: int) -> Order | Conflict:
        buyer = CurrentUser(id=f"racer-{i}", email=f"racer{i}@example.com")
        start.wait()
        try:
            return service.hold(engine, service.Wanted(buyer, wanted[i]), TERMS, RecentHolds())
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(len(wanted)) as pool:
        return list(pool.map(one, range(len(wanted))))


@pytest.mark.parametrize("racers", [16])
async def test_racers_past_the_read_one_wins(
    orders: Orders, nats_url: str, seller: Person, racers: int
) -> None:
    engine = runtime_of(orders.app).engine
    ticket_id = await listed(orders, nats_url, seller)
    outcomes = race(engine, [[ticket_id]] * racers)
    winners = [o for o in outcomes if isinstance(o, Order)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if o is not winners[0])
    assert holds(engine, ticket_id) == [winners[0].id]


@pytest.mark.parametrize("racers", [50])
async def test_racers_for_overlapping_seats_past_the_read(
    orders: Orders, nats_url: str, seller: Person, racers: int
) -> None:
    """Racers 2j and 2j+1 want seats {j, j+1}, one naming them backwards (the orders two
    PostgreSQL transactions would deadlock in, were items inserted as named), and each
    pair overlaps the next: every seat is held by at most one order, a winner holds both
    of its seats, a loser none."""
    engine = runtime_of(orders.app).engine
    seats = [await listed(orders, nats_url, seller) for _ in range(racers // 2 + 1)]
    wanted = [[seats[i // 2], seats[i // 2 + 1]][:: 1 if i % 2 else -1] for i in range(racers)]
    outcomes = race(engine, wanted)
    assert all(isinstance(o, Order | Conflict) for o in outcomes), outcomes
    winners = {o.id: want for o, want in zip(outcomes, wanted, strict=True) if isinstance(o, Order)}
    assert winners
    holders = {seat: holds(engine, seat) for seat in seats}
    assert all(len(h) <= 1 for h in holders.values()), holders
    for order_id, want in winners.items():
        assert [holders[seat] for seat in want] == [[order_id], [order_id]]
    assert sum(len(h) for h in holders.values()) == 2 * len(winners)  # losers hold nothing


async def test_the_read_answers_a_held_ticket(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    engine = runtime_of(orders.app).engine
    ticket_id = await listed(orders, nats_url, seller)
    first = CurrentUser(id=buyer.id, email="buyer@example.com")
    service.place_order(engine, service.Wanted(first, [ticket_id]), TERMS, RecentHolds())
    late = CurrentUser(id="late", email="late@example.com")
    with pytest.raises(Conflict) as refused:
        service.refuse_if_held(engine, service.Wanted(late, [ticket_id]), RecentHolds())
    assert refused.value.message == "Ticket is already reserved"
    free = await listed(orders, nats_url, seller)
    service.refuse_if_held(engine, service.Wanted(late, [free]), RecentHolds())  # no 409


@pytest.fixture
async def sqlite_orders(tmp_path: Path, nats_url: str) -> AsyncIterator[Orders]:
    async with running(orders_settings(f"sqlite:///{tmp_path / DB}", nats_url)) as app:
        yield app


def write_lock_is_taken(path: Path) -> bool:
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    probe.execute("ROLLBACK")
    return False


async def test_a_held_ticket_is_refused_while_another_writer_holds_sqlites_lock(
    sqlite_orders: Orders, nats_url: str, seller: Person, buyer: Person, tmp_path: Path
) -> None:
    """The conflict path takes no write lock: it answers while another writer holds
    SQLite's (a locking path would wait out the busy timeout, then fail 'locked')."""
    engine = runtime_of(sqlite_orders.app).engine
    ticket_id = await listed(sqlite_orders, nats_url, seller)
    service.place_order(
        engine,
        service.Wanted(CurrentUser(id=buyer.id, email="b@example.com"), [ticket_id]),
        TERMS,
        RecentHolds(),
    )
    with engine.connect() as writer:
        writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock, now held
        assert write_lock_is_taken(tmp_path / DB)
        late = CurrentUser(id="late", email="late@example.com")
        with pytest.raises(Conflict):
            service.place_order(engine, service.Wanted(late, [ticket_id]), TERMS, RecentHolds())
        writer.rollback()
