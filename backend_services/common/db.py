"""SQLModel engines and transactions that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Field, Session, SQLModel, create_engine

SQLITE_BUSY_TIMEOUT_SECONDS = 30
PG_CONNECT_TIMEOUT_SECONDS = 5
SQLITE_POOL_SIZE = 40
PG_POOL_SIZE = 30
# Execution option of `reading()`: its transactions only read (see `_on_begin`).
READ_ONLY = "stubhub_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    # A bounded connect: an address that drops packets must not hang start-up or /readyz.
    kwargs.setdefault("connect_args", {"connect_timeout": PG_CONNECT_TIMEOUT_SECONDS})
    # Every connection kept (no overflow): a busy process opened and closed overflow
    # connections all the time, a backend start on the server each. Same ceiling as
    # before (30 per process), well under the servers' max_connections.
    return create_engine(url, pool_pre_ping=True, pool_size=PG_POOL_SIZE, max_overflow=0, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        # As many kept connections as worker threads (anyio: 40): past the default 5,
        # every checkin closed a connection and the next one paid connect + PRAGMAs.
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=10,
        **kwargs,
    )

    _WRITERS[engine] = threading.RLock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _: Any) -> None:
        # Take transactions out of pysqlite's hands so BEGIN IMMEDIATE below is ours.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: concurrent writers queue on the
        # busy timeout instead of failing with "database is locked" mid-transaction.
        # A read-only transaction takes no lock (WAL: it reads the last commit).
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work commits together on exit, or rolls back on error.

    On SQLite, this process's writers first queue on a lock of their own: SQLite lets
    one writer in at a time and makes the others poll with growing sleeps (up to
    100 ms each), so under a burst a waiter could be overtaken for seconds. Writers
    in other processes still meet at SQLite's lock, which stays the arbiter.
    """
    lock = _WRITERS.get(engine) or nullcontext()
    with lock, Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def writer_lock(engine: Engine) -> threading.RLock | None:
    """This process's lock in front of SQLite's write lock; None on PostgreSQL."""
    return _WRITERS.get(engine)


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection that only reads: on SQLite it neither waits for nor blocks a writer.

    A Core connection, not a Session: the callers run one statement on a hot path.
    """
    with _reader(engine).connect() as connection:
        yield connection


_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
# SQLite engines' writer locks (see `transaction`); reentrant: a nested transaction
# meets SQLite's own lock, as before. PostgreSQL has none: it locks rows.
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def _reader(engine: Engine) -> Engine:
    """The engine with the read-only option, made once: each `execution_options()` call
    builds a new engine proxy whose event dispatch is joined anew on first use.

    On PostgreSQL its statements run in autocommit: one statement reads one snapshot
    anyway, and a BEGIN before it and a ROLLBACK after it were two more round trips.
    """
    reader = _READERS.get(engine)
    if reader is None:
        options: dict[str, Any] = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        reader = _READERS[engine] = engine.execution_options(**options)
    return reader


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite (which keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def unique_where(name: str, column: str, where: sa.TextClause) -> sa.Index:
    """A unique index over only the rows `where` holds (a partial index, on both databases):
    the database, not a read-then-write, refuses a second such row, also under races."""
    return sa.Index(name, column, unique=True, sqlite_where=where, postgresql_where=where)


class Replica(SQLModel):
    """A row a consumer keeps from another service's versioned events: its id and the
    last version applied (`ddl.versioned_key`; written by `insert_once`/`lock_next`)."""

    id: str = Field(primary_key=True)
    version: int


def new_id() -> str:
    return uuid.uuid4().hex


class Keyed(SQLModel):
    """A row this service creates: keyed by a new random id (32 hex digits)."""

    id: str = Field(default_factory=new_id, primary_key=True)


def indexes(table: str, *columns: tuple[str, ...]) -> tuple[sa.Index, ...]:
    """Plain indexes, named as the migrations name them: `ix_<table>_<columns>`."""
    return tuple(sa.Index(f"ix_{table}_{'_'.join(names)}", *names) for names in columns)
