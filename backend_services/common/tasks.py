"""Stopping background tasks reliably.

On Python 3.11 `asyncio.wait_for` swallows a cancellation that arrives just as
the awaited future completes (bpo-42130, fixed in 3.12): a loop such as the
outbox relay's (`wait_for(wake.wait(), poll)`) or a consumer's fetch then carries
on, and a shutdown that cancels once and awaits would hang. So we cancel again
until every task has ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

RECANCEL_SECONDS = 0.5


async def stop(tasks: Iterable[asyncio.Task[object]]) -> None:
    pending = {t for t in tasks if not t.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_SECONDS)
