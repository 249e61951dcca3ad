"""Holds this process is writing, by ticket: a racer for one of them waits its turn.

When a ticket goes on sale, every attempt for it at once sees it free and would go on
to write, only for all but one to meet the unique index (each a write transaction,
queued behind the others on SQLite). Here the later attempts in this process wait for
the one being written, then find the ticket held (refused from memory, see recent.py)
or still free (they go on). Other processes meet at the database, which still alone
picks the winner.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence


class HoldsInFlight:
    def __init__(self) -> None:
        self._writing: dict[str, asyncio.Future[None]] = {}

    def busy(self, ticket_ids: Sequence[str]) -> bool:
        return any(t in self._writing for t in ticket_ids)

    @contextlib.asynccontextmanager
    async def turn(self, ticket_ids: Sequence[str]) -> AsyncIterator[None]:
        """Wait until none of these tickets is being held here, then hold them all."""
        while busy := {self._writing[t] for t in ticket_ids if t in self._writing}:
            await asyncio.wait(busy)  # all of them, or none: no lock order, no deadlock
        done = asyncio.get_running_loop().create_future()
        for ticket_id in ticket_ids:
            self._writing[ticket_id] = done
        try:
            yield
        finally:
            for ticket_id in ticket_ids:
                self._writing.pop(ticket_id, None)
            done.set_result(None)
