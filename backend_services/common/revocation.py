"""Sessions that end: a deny-list of token ids and a per-user token version, in Redis.

Sign-out puts the token's `jti` on the deny-list until its `exp`; "sign out
everywhere" bumps the user's version, which refuses every token issued with an
older `ver`. Every service asks here after the signature checks out. Answers are
cached per token for a moment (`SESSION_REVOCATION_CACHE_SECONDS`), so a busy
page costs one Redis round trip, and a sign-out reaches other processes within
that moment. If Redis cannot answer, the check raises: we refuse to guess.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

REVOKED_PREFIX = "session:revoked:"
VERSION_PREFIX = "session:version:"
CACHE_MAX_ENTRIES = 10_000

_BUMP = """
local v = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
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
        self._cache: dict[str, tuple[float, bool]] = {}  # jti -> (good until, revoked)

    async def is_revoked(self, token: TokenId) -> bool:
        now = self._clock()
        cached = self._cache.get(token.jti)
        if cached is not None and cached[0] > now:
            return cached[1]
        denied, version = await self.redis.mget(
            REVOKED_PREFIX + token.jti, VERSION_PREFIX + token.user_id
        )
        revoked = denied is not None or int(version or 0) > token.version
        self._remember(token.jti, revoked, now)
        return revoked

    async def revoke(self, token: TokenId) -> None:
        """Refuse this token from now until it would have expired anyway."""
        if token.expires_at > time.time():
            await self.redis.set(REVOKED_PREFIX + token.jti, b"1", exat=token.expires_at)
        self._remember(token.jti, True, self._clock())

    async def bump_version(self, user_id: str, ttl_seconds: int) -> int:
        """Refuse every token of this user issued so far. The key outlives them all
        (`ttl_seconds` is the session lifetime); after that, version 0 is safe again."""
        key = VERSION_PREFIX + user_id
        version = await self.redis.eval(_BUMP, 1, key, str(ttl_seconds))  # type: ignore[misc]
        self._cache.clear()  # the cache is keyed by token: drop what we knew of this user's
        return int(version)

    async def current_version(self, user_id: str) -> int:
        return int(await self.redis.get(VERSION_PREFIX + user_id) or 0)

    def _remember(self, jti: str, revoked: bool, now: float) -> None:
        if self.cache_seconds <= 0:
            return
        if len(self._cache) >= CACHE_MAX_ENTRIES:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= CACHE_MAX_ENTRIES:
                self._cache.clear()
        self._cache[jti] = (now + self.cache_seconds, revoked)
