"""Attempt limits in Redis, shared by every replica and impossible to race.

Each attempt is counted *before* the work it guards (one atomic INCR, with the
window set on the first count), so N concurrent attempts see N distinct counts
and only the first `limit` of them go on to check a password. A successful
sign-in hands its slot back (per address) or clears the count (per email).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from backend_services.common.errors import TooManyRequests, UpstreamUnavailable

PREFIX = "auth:limit:"  # under auth's Redis ACL key pattern (infra/access.py)

# One round trip, atomic: the count and its window never come apart.
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


@dataclass(frozen=True)
class Limit:
    name: str  # "signin-email": part of the key
    max_attempts: int
    window_seconds: int
    message: str  # "Too many failed sign-in attempts"


class Limiter:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    @staticmethod
    def key(limit: Limit, subject: str) -> str:
        # Hashed: Redis holds no email or address in the clear, and key length is fixed.
        digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{PREFIX}{limit.name}:{digest}"

    async def take(self, limit: Limit, subject: str) -> None:
        """Count one attempt; 429 if it is over the limit (it stays counted)."""
        try:
            key, window = self.key(limit, subject), str(limit.window_seconds)
            count, ttl = await self.redis.eval(_COUNT, 1, key, window)  # type: ignore[misc]
        except Exception as exc:
            raise UpstreamUnavailable("Sign-in is unavailable right now; try again") from exc
        if int(count) > limit.max_attempts:
            minutes = (max(int(ttl), 1) + 59) // 60
            raise TooManyRequests(f"{limit.message}. Try again in {minutes} minute(s).")

    async def give_back(self, limit: Limit, subject: str) -> None:
        await self.redis.decr(self.key(limit, subject))

    async def clear(self, limit: Limit, subject: str) -> None:
        await self.redis.delete(self.key(limit, subject))
