"""`group_commit.write`: on SQLite, writes queued behind the writer lock commit together;
each still succeeds or fails on its own, and none returns before its data is committed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from backend_services.common import group_commit
from backend_services.common.db import make_engine, writer_lock


class Seat(SQLModel, table=True):
    __tablename__ = "test_group_seat"
    name: str = Field(primary_key=True)  # a second write of one name meets the index


class Stub(SQLModel, table=True):
    __tablename__ = "test_group_stub"
    id: int | None = Field(default=None, primary_key=True)
    seat: str = Field(foreign_key="test_group_seat.name")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    tables = [SQLModel.metadata.tables[t] for t in ("test_group_seat", "test_group_stub")]
    SQLModel.metadata.create_all(engine, tables=tables)
    yield engine
    engine.dispose()


def take(name: str) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        session.connection().execute(sa.insert(Seat.__table__), {"name": name})  # type: ignore[attr-defined]
        return name

    return work


def fail_after(name: str) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        take(name)(session)
        raise ValueError(f"refused {name}")

    return work


def seats(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Seat.name)).all())


@contextmanager
def counting_transactions(engine: Engine) -> Iterator[list[int]]:
    begun: list[int] = []

    def count(_: Any) -> None:
        begun.append(1)

    event.listen(engine, "begin", count)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", count)


def queued_together(
    engine: Engine, works: list[Callable[[Session], Any]], look: bool = False
) -> list[Future[Any]]:
    """Start every write while SQLite's writer lock is held here, so all of them queue;
    then let them go. (PostgreSQL has no such lock: they just run.) With `look`, each
    caller also reads the committed seats the moment its write returns."""

    def call(work: Callable[[Session], Any]) -> Any:
        result = group_commit.write(engine, work)
        return (result, seats(engine)) if look else result

    lock = writer_lock(engine)
    pool = ThreadPoolExecutor(len(works))
    if lock is None:
        futures = [pool.submit(call, w) for w in works]
    else:
        with lock:
            futures = [pool.submit(call, w) for w in works]
            deadline = time.monotonic() + 10
            while len(group_commit._queue(engine).waiting) < len(works):
                assert time.monotonic() < deadline, "the writes never queued"
                time.sleep(0.001)  # polling the queue for readiness, not a wait in its place
    pool.shutdown(wait=True)
    return futures


def test_writes_that_queue_commit_in_one_transaction(engine: Engine) -> None:
    names = [f"s{i}" for i in range(6)]
    with counting_transactions(engine) as begun:
        futures = queued_together(engine, [take(n) for n in names])
    assert [f.result() for f in futures] == names
    assert seats(engine) == set(names)
    sqlite = engine.dialect.name == "sqlite"
    assert len(begun) == (1 if sqlite else len(names))  # one commit for all on SQLite


def test_a_failing_write_rolls_back_alone(engine: Engine) -> None:
    works = [take("a"), fail_after("b"), take("c"), take("a"), take("d")]
    futures = queued_together(engine, works)
    outcomes = [f.exception() or f.result() for f in futures]
    assert outcomes[0] == "a" and outcomes[2] == "c" and outcomes[4] == "d"
    assert isinstance(outcomes[1], ValueError)  # its own error, in its own caller
    assert isinstance(outcomes[3], IntegrityError)  # the index refused the second "a"
    assert seats(engine) == {"a", "c", "d"}  # nothing of "b"


def test_a_failed_commit_fails_every_write_of_the_batch(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/batch.db")  # a batch exists only on SQLite
    tables = [SQLModel.metadata.tables[t] for t in ("test_group_seat", "test_group_stub")]
    SQLModel.metadata.create_all(engine, tables=tables)

    def dangling(session: Session) -> None:
        # A foreign key checked at COMMIT only: the whole transaction is refused there.
        session.connection().exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        session.connection().execute(sa.insert(Stub.__table__), {"seat": "nowhere"})  # type: ignore[attr-defined]

    futures = queued_together(engine, [take("x"), dangling, take("y")])
    assert all(isinstance(f.exception(), IntegrityError) for f in futures)
    assert seats(engine) == set()
    engine.dispose()


def test_no_write_returns_before_its_commit(engine: Engine) -> None:
    futures = queued_together(engine, [take(f"n{i}") for i in range(4)], look=True)
    for future in futures:
        name, seen_on_return = future.result()
        assert name in seen_on_return  # another connection read it as the caller returned


def test_a_write_alone_that_fails_leaves_nothing(engine: Engine) -> None:
    with pytest.raises(ValueError, match="refused solo"):
        group_commit.write(engine, fail_after("solo"))
    assert group_commit.write(engine, take("next")) == "next"
    assert seats(engine) == {"next"}
