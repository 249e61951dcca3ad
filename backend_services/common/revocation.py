"""Sessions that end: a deny-list of token ids and a per-user token version, in Redis.

Sign-out puts the token's `jti` on the deny-list until its `exp`; "sign out
everywhere" bumps the user's version, which refuses every token issued with an
older `ver`. Every service asks here after the signature checks out. Both also
bump one global counter, the revocation epoch. A service keeps each token's answer
while the epoch it last read is unchanged, and reads the epoch again once that read
is `SESSION_REVOCATION_CACHE_SECONDS` old: a busy buyer's requests cost no Redis
round trip, and a sign-out reaches every process within that time, as with a
per-token cache. One read of the epoch serves every request waiting on it (under
load, all of them at once used to send their own and queue for seconds). If Redis
cannot answer, the check raises: we refuse to guess.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

REVOKED_PREFIX = "session:revoked:"
VERSION_PREFIX = "session:version:"
EPOCH_KEY = "session:epoch"  # bumped by every revocation, whoever's
CACHE_MAX_ENTRIES = 10_000

_BUMP = """
local v = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return v
"""


@dataclass(frozen=True)
class TokenId:
    """What revocation needs to know about a verified token."""

    jti: str
    user_id: str
    version: int
    expires_at: int  # epoch seconds


class Revocations:
    def __init__(
        self,
        redis: Redis,
        cache_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._epoch: bytes | None = None  # the revocation epoch as last read
        self._epoch_read_at = -math.inf  # when that read was sent
        self._cache: dict[str, bool] = {}  # jti -> revoked, as of `_epoch`
        self._reading: asyncio.Task[None] | None = None  # the epoch read in flight

    async def is_revoked(self, token: TokenId) -> bool:
        if self._clock() >= self._epoch_read_at + self.cache_seconds and self._cache:
            await self._read_epoch()
        cached = self._cache.get(token.jti)
        if cached is not None:
            return cached
        sent = self._clock()
        epoch, denied, version = await self.redis.mget(
            EPOCH_KEY, REVOKED_PREFIX + token.jti, VERSION_PREFIX + token.user_id
        )
        revoked = denied is not None or int(version or 0) > token.version
        self._saw_epoch(epoch, sent)
        if epoch == self._epoch:
            self._remember(token.jti, revoked)
        return revoked

    async def _read_epoch(self) -> None:
        """Read the epoch once for every caller waiting on it now."""
        if self._reading is None:
            self._reading = asyncio.create_task(self._get_epoch())
            self._reading.add_done_callback(self._read_done)
        await asyncio.shield(self._reading)  # a caller that gives up leaves it to the rest

    def _read_done(self, task: asyncio.Task[None]) -> None:
        self._reading = None
        if not task.cancelled():
            task.exception()  # retrieved: each waiter has raised it already

    async def _get_epoch(self) -> None:
        sent = self._clock()
        self._saw_epoch(await self.redis.get(EPOCH_KEY), sent)

    def _saw_epoch(self, epoch: bytes | None, sent: float) -> None:
        if sent >= self._epoch_read_at:  # answers can arrive out of order: keep the newest
            if epoch != self._epoch:
                self._cache.clear()  # someone was revoked: what we knew may be stale
            self._epoch, self._epoch_read_at = epoch, sent

    async def revoke(self, token: TokenId) -> None:
        """Refuse this token from now until it would have expired anyway."""
        if token.expires_at > time.time():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(REVOKED_PREFIX + token.jti, b"1", exat=token.expires_at)
                pipe.incr(EPOCH_KEY)
                await pipe.execute()
        self._remember(token.jti, True)

    async def bump_version(self, user_id: str, ttl_seconds: int) -> int:
        """Refuse every token of this user issued so far. The key outlives them all
        (`ttl_seconds` is the session lifetime); after that, version 0 is safe again."""
        key = VERSION_PREFIX + user_id
        version = await self.redis.eval(_BUMP, 2, key, EPOCH_KEY, str(ttl_seconds))  # type: ignore[misc]
        self._cache.clear()  # the cache is keyed by token: drop what we knew of this user's
        return int(version)

    async def current_version(self, user_id: str) -> int:
        return int(await self.redis.get(VERSION_PREFIX + user_id) or 0)

    def _remember(self, jti: str, revoked: bool) -> None:
        if self.cache_seconds <= 0:
            return
        if len(self._cache) >= CACHE_MAX_ENTRIES:
            self._cache.clear()  # a bound on memory: the next requests ask again
        self._cache[jti] = revoked
