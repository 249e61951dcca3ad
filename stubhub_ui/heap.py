"""The garbage collector, tuned for a server that keeps many tabs' states in memory.

What the app built at start-up stays for the life of the process: frozen, full
collections stop walking it. Each open tab then adds its state, and with CPython's
default thresholds full collections over those came several times a second while
events were fanned out (55 to 80 ms each, with every socket stopped: an event that
met one reached 500 screens that much later; docs/bench.md). A first threshold of
50,000 makes collections of request garbage rarer (15 to 25 ms each, every second or
two under that load) and, in those runs, left no full collection at all.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

YOUNG_OBJECTS_BEFORE_A_COLLECTION = 50_000


@asynccontextmanager
async def settled_heap() -> AsyncIterator[None]:
    """Lifespan task: the tuning above, once the app is up."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_BEFORE_A_COLLECTION, max(middle, 20), max(old, 20))
    yield
