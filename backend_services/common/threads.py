"""Blocking work (SQL, argon2, the Stripe SDK) off the event loop, one way everywhere.

anyio's worker threads are the pool FastAPI itself uses for sync dependencies;
one pool means one limit to size (`anyio.to_thread.current_default_thread_limiter`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, TypeVarTuple, Unpack

from anyio import to_thread

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


async def in_thread(fn: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
    return await to_thread.run_sync(fn, *args)
