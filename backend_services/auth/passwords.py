"""Password hashing: argon2id through libpass (the maintained passlib).

OWASP's argon2id parameters (m = 19 MiB, t = 2, p = 1): each hash holds 19 MiB
while it runs, so `Hasher` lets only as many run at once as the memory budget
(`PASSWORD_HASH_MEMORY_MIB`) allows; the rest wait their turn instead of taking
the process over its memory limit. A hash made with other parameters (the
earlier 64 MiB default) verifies as before and is replaced at the next sign-in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, TypeVarTuple, Unpack

from passlib.context import CryptContext

from backend_services.common.threads import in_thread

MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
MEMORY_MIB_PER_HASH = MEMORY_KIB // 1024

CONTEXT = CryptContext(
    schemes=["argon2"],
    deprecated="auto",
    argon2__type="ID",
    argon2__memory_cost=MEMORY_KIB,
    argon2__rounds=TIME_COST,
    argon2__parallelism=PARALLELISM,
)
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = CONTEXT.hash("not-a-real-password-only-for-timing")
T = TypeVar("T")
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    new_hash: str | None  # set when the stored hash should be replaced with this one


def hash_password(password: str) -> str:
    return CONTEXT.hash(password)


def verify_password(password: str, password_hash: str | None) -> Verdict:
    ok, new_hash = CONTEXT.verify_and_update(password, password_hash or _DUMMY_HASH)
    if password_hash is None:
        return Verdict(False, None)
    return Verdict(bool(ok), new_hash if ok else None)


def slots_for(memory_mib: int) -> int:
    """How many hashes fit in the memory budget at once (at least one)."""
    return max(1, memory_mib // MEMORY_MIB_PER_HASH)


class Hasher:
    """Runs hashing work in threads, at most `slots` at a time."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._semaphore = asyncio.Semaphore(slots)

    async def run(self, work: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        async with self._semaphore:
            return await in_thread(work, *args)
