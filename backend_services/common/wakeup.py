"""A background loop's wake-up call: it polls on a timer, and anyone may wake it early.

`wake()` is safe from any thread (request threads call it right after a commit); the
loop calls `sleep()` between passes. A wake that arrives during a pass is kept, so the
next `sleep()` returns at once and nothing waits for the timer.
"""

from __future__ import annotations

import asyncio
import contextlib


class Wakeup:
    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self) -> None:
        """Called by the loop itself, on the event loop it runs on."""
        self._loop = asyncio.get_running_loop()

    @property
    def bound(self) -> bool:
        return self._loop is not None

    def wake(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._event.set)

    async def sleep(self, seconds: float) -> None:
        """Until woken, or `seconds` at most."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        self._event.clear()
