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
from backend_services.orders.models import HOLDING_SQL, Order
from harness.apps import runtime_of
from harness.people import Person
from tests.orders.support import Orders, new_id, orders_settings, running, send, ticket_created

WINDOW = 60
# Fair use allows every racer here: this file is about who wins one ticket.
FAIR = domain.FairUse(max_active_holds=1000, rehold_cooldown=timedelta(0))
DB = "orders.db"


async def listed(orders: Orders, nats_url: str, seller: Person) -> str:
    ticket_id = new_id()
    await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id))
    await orders.replica_at(ticket_id, 0)
    return ticket_id


def holds(engine: Engine, ticket_id: str) -> list[Order]:
    with Session(engine) as session:
        return list(session.exec(select(Order).where(Order.ticket_id == ticket_id, HOLDING_SQL)))


def race(engine: Engine, ticket_id: str, racers: int) -> list[Order | Conflict]:
    """`racers` threads call the write half at the same instant (a barrier), as if every
    one of them had read the ticket as free."""
    start = threading.Barrier(racers)

    def one(i: int) -> Order | Conflict:
        buyer = CurrentUser(id=f"racer-{i}", email=f"racer{i}@example.com")
        start.wait()
        try:
            return service.hold(engine, buyer, ticket_id, WINDOW, FAIR)
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(racers) as pool:
        return list(pool.map(one, range(racers)))


@pytest.mark.parametrize("racers", [16])
async def test_racers_past_the_read_one_wins(
    orders: Orders, nats_url: str, seller: Person, racers: int
) -> None:
    engine = runtime_of(orders.app).engine
    ticket_id = await listed(orders, nats_url, seller)
    outcomes = race(engine, ticket_id, racers)
    winners = [o for o in outcomes if isinstance(o, Order)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if o is not winners[0])
    assert [o.id for o in holds(engine, ticket_id)] == [winners[0].id]


async def test_the_read_answers_a_held_ticket(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    engine = runtime_of(orders.app).engine
    ticket_id = await listed(orders, nats_url, seller)
    first = CurrentUser(id=buyer.id, email="buyer@example.com")
    service.place_order(engine, first, ticket_id, WINDOW, FAIR)
    late = CurrentUser(id="late", email="late@example.com")
    with pytest.raises(Conflict) as refused:
        service.refuse_if_held(engine, late, ticket_id)
    assert refused.value.message == "Ticket is already reserved"
    service.refuse_if_held(engine, late, await listed(orders, nats_url, seller))  # free: no 409


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
        engine, CurrentUser(id=buyer.id, email="b@example.com"), ticket_id, WINDOW, FAIR
    )
    with engine.connect() as writer:
        writer.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock, now held
        assert write_lock_is_taken(tmp_path / DB)
        late = CurrentUser(id="late", email="late@example.com")
        with pytest.raises(Conflict):
            service.place_order(engine, late, ticket_id, WINDOW, FAIR)
        writer.rollback()
