"""Sign-in throttling per email, in Redis so it holds across replicas."""

from __future__ import annotations

from redis import Redis

from backend_services.common.errors import TooManyRequests


class SigninLimiter:
    def __init__(self, redis: Redis, max_failures: int, window_seconds: int) -> None:
        self.redis = redis
        self.max_failures = max_failures
        self.window_seconds = window_seconds

    def _key(self, email: str) -> str:
        return f"auth:signin-failures:{email}"

    def check(self, email: str) -> None:
        key = self._key(email)
        failures = int(self.redis.get(key) or 0)  # type: ignore[arg-type]
        if failures >= self.max_failures:
            wait = max(int(self.redis.ttl(key)), 1)  # type: ignore[arg-type]
            minutes = (wait + 59) // 60
            raise TooManyRequests(
                f"Too many failed sign-in attempts. Try again in {minutes} minute(s)."
            )

    def record_failure(self, email: str) -> None:
        key = self._key(email)
        with self.redis.pipeline() as pipe:  # MULTI: the count and its window move together
            pipe.incr(key)
            pipe.expire(key, self.window_seconds, nx=True)
            pipe.execute()

    def reset(self, email: str) -> None:
        self.redis.delete(self._key(email))
