"""Tickets recently read as held, so most losers of an on-sale rush never leave the loop.

In a rush nearly every attempt is for a ticket someone already holds. The pre-check
read (`service.refuse_if_held`) keeps what it saw of held tickets here for a short
while, and the next attempts for them are refused from memory: no worker thread, no
SQL. Only refusals come from here; a ticket not held (or not known here) always goes
to the database, which alone picks a winner.

A hold changes only through `lifecycle.cancel` (released) and `lifecycle.complete`
(sold), a ticket's seller through its replica's update. Their tickets are forgotten
once that transaction commits (`forget_on_commit`), and a read that overlapped the
commit is not kept, so this process never refuses a ticket its own database has
released, nor words a sold one as reserved. Another replica's change reaches this one
within `HELD_VERDICT_SECONDS`, or `WHILE_READ_AGAIN` times that while this process
is reading the ticket again (the attempts meanwhile are answered from the last read
instead of queueing).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import event
from sqlalchemy.orm import Session

from .domain import Seen

HELD_VERDICT_SECONDS = 1.0
WHILE_READ_AGAIN = 2  # times the time-to-live: how old an answer may be meanwhile
MAX_ENTRIES = 100_000
_CHANGED = "orders.changed_holds"  # in `session.info`, until the commit


class RecentHolds:
    """Held tickets as last read: ticket id -> (its seller and holder, read at)."""

    def __init__(
        self, ttl_seconds: float = HELD_VERDICT_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.clock = ttl_seconds, clock
        self._seen: dict[str, tuple[Seen, float]] = {}
        self._generation = 0  # bumped by every change: a read that spans one is stale
        self._lock = threading.Lock()  # reads keep and releases forget from worker threads

    def held(self, ticket_ids: Iterable[str], ttls: float = 1) -> dict[str, Seen] | None:
        """Every one of these tickets as read held within `ttls` times the time-to-live,
        or None (ask the database)."""
        oldest = self.clock() - self.ttl * ttls
        found: dict[str, Seen] = {}
        for ticket_id in ticket_ids:
            entry = self._seen.get(ticket_id)
            if entry is None or entry[1] < oldest:
                return None
            found[ticket_id] = entry[0]
        return found

    def before_read(self) -> int:
        return self._generation

    def keep(self, token: int, seen: Mapping[str, Seen]) -> None:
        """Keep the held tickets of a read that began at `token`, unless a change
        committed since (what it read may be gone)."""
        now = self.clock()
        with self._lock:
            if token != self._generation:
                return
            if len(self._seen) >= MAX_ENTRIES:
                self._seen.clear()  # a bound, not a policy: the next reads fill it again
            self._seen.update((t, (s, now)) for t, s in seen.items() if s.holder is not None)

    def forget(self, ticket_ids: Iterable[str]) -> None:
        with self._lock:
            self._generation += 1
            for ticket_id in ticket_ids:
                self._seen.pop(ticket_id, None)


# One per process: every orders app in it (tests run several) reads one database or
# another with distinct ticket ids, and a release forgets its tickets for all of them.
RECENT_HOLDS = RecentHolds()


def forget_on_commit(session: Session, ticket_ids: Iterable[str]) -> None:
    """Forget these tickets once `session` commits (called where a hold changes)."""
    session.info.setdefault(_CHANGED, set()).update(ticket_ids)


@event.listens_for(Session, "after_commit")
def _forget_changed(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed:
        RECENT_HOLDS.forget(changed)


@event.listens_for(Session, "after_rollback")
def _drop_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)  # nothing changed
