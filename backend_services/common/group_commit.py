"""Writes that wait for SQLite's write lock go in together: one transaction, one commit.

SQLite lets one writer in at a time. In an on-sale rush every winner's hold is a write,
and each paid for its own session, BEGIN IMMEDIATE, commit and hand-off of the lock
between threads: about 5 ms of wall time under load for 1 ms of work. Here the thread
that gets the lock runs every write queued meanwhile, each in a savepoint of one
transaction. One that fails (a unique index, a refusal) rolls back alone and raises in
its own caller; the rest commit together, and none returns before that commit (if it
fails, every write of the batch raises its error). PostgreSQL locks rows, not the
database: there each write is its own transaction, as with `db.transaction`.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy.engine import Engine
from sqlmodel import Session

from .db import transaction, writer_lock

T = TypeVar("T")
# A bound on one batch, so that the first of them is not kept waiting for the last.
MAX_BATCH = 32


@dataclass(eq=False)
class _Write(Generic[T]):
    work: Callable[[Session], T]
    result: T | None = None
    error: Exception | None = None
    done: bool = False  # set by the batch's runner, under the writer lock


class _Queue:
    def __init__(self) -> None:
        self.waiting: deque[_Write[Any]] = deque()
        self.mutex = threading.Lock()

    def put(self, write: _Write[Any]) -> None:
        with self.mutex:
            self.waiting.append(write)

    def take(self) -> list[_Write[Any]]:
        with self.mutex:
            return [self.waiting.popleft() for _ in range(min(MAX_BATCH, len(self.waiting)))]


_QUEUES: weakref.WeakKeyDictionary[Engine, _Queue] = weakref.WeakKeyDictionary()
_QUEUES_MUTEX = threading.Lock()


def write(engine: Engine, work: Callable[[Session], T]) -> T:
    """`work(session)` committed, maybe with others' (see the module): its result, or
    its error raised here. `work` must not commit, and runs on some writer's thread."""
    lock = writer_lock(engine)
    if lock is None:
        with transaction(engine) as session:
            return work(session)
    mine, queue = _Write(work), _queue(engine)
    queue.put(mine)
    while not mine.done:
        with lock:
            if not mine.done:  # nobody has run it: run it and whatever else waits
                _run(engine, queue.take())
    if mine.error is not None:
        raise mine.error
    return cast(T, mine.result)


def _queue(engine: Engine) -> _Queue:
    with _QUEUES_MUTEX:
        queue = _QUEUES.get(engine)
        if queue is None:
            queue = _QUEUES[engine] = _Queue()
        return queue


def _run(engine: Engine, batch: list[_Write[Any]]) -> None:
    alone = len(batch) == 1  # no savepoint: its error rolls the transaction back
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            for write in batch:
                if alone:
                    write.result = write.work(session)
                else:
                    _in_savepoint(session, write)
    except Exception as error:  # the commit (or a lone write) failed: nothing was written
        for write in batch:
            if write.error is None:
                write.error, write.result = error, None
    finally:
        for write in batch:
            write.done = True


def _in_savepoint(session: Session, write: _Write[Any]) -> None:
    try:
        with session.begin_nested():
            write.result = write.work(session)
    except Exception as error:
        write.error = error
