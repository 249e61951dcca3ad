"""The revocation cache: no Redis round trip for a known token, and a sign-out (or
"sign out everywhere") elsewhere refused within SESSION_REVOCATION_CACHE_SECONDS."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from backend_services.common.revocation import Revocations, TokenId

BOUND = 2.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token(jti: str, user: str = "u1", version: int = 0) -> TokenId:
    return TokenId(jti, user, version, int(time.time()) + 3600)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def counted(redis: Redis) -> list[str]:
    """The reads this client sends from now on (GET of the epoch, MGET with a token's
    keys), counted here rather than on the server, which other tests share."""
    calls: list[str] = []
    for name in ("get", "mget"):
        real = getattr(redis, name)

        async def read(*args: Any, _real: Any = real, _name: str = name) -> Any:
            calls.append(_name)
            return await _real(*args)

        setattr(redis, name, read)
    return calls


async def test_a_known_token_costs_no_round_trip_while_the_epoch_is_fresh(redis: Redis) -> None:
    clock = Clock()
    calls = counted(redis)
    service = Revocations(redis, BOUND, clock)
    assert not await service.is_revoked(token("a"))
    assert calls == ["mget"]
    clock.now += BOUND / 2
    assert not await service.is_revoked(token("a"))
    assert calls == ["mget"]
    clock.now += BOUND  # the epoch read is now too old: ask again
    assert not await service.is_revoked(token("a"))
    assert calls == ["mget", "get"]


async def test_a_sign_out_elsewhere_is_refused_once_the_epoch_read_is_old(redis: Redis) -> None:
    clock = Clock()
    service, auth = Revocations(redis, BOUND, clock), Revocations(redis, BOUND)
    assert not await service.is_revoked(token("a"))
    assert not await service.is_revoked(token("b"))
    await auth.revoke(token("a"))
    clock.now += BOUND
    assert await service.is_revoked(token("a"))
    assert not await service.is_revoked(token("b"))


async def test_an_epoch_read_for_another_token_drops_every_stale_answer(redis: Redis) -> None:
    clock = Clock()
    service, auth = Revocations(redis, BOUND, clock), Revocations(redis, BOUND)
    assert not await service.is_revoked(token("a"))
    await auth.revoke(token("a"))
    clock.now += BOUND
    assert not await service.is_revoked(token("new"))  # reads the new epoch
    clock.now = 1000.0 + BOUND + 0.1  # fresh again, yet "a" must not come from the cache
    assert await service.is_revoked(token("a"))


async def test_sign_out_everywhere_elsewhere_is_refused_once_the_epoch_read_is_old(
    redis: Redis,
) -> None:
    clock = Clock()
    service, auth = Revocations(redis, BOUND, clock), Revocations(redis, BOUND)
    old = token("a", user="u2", version=0)
    assert not await service.is_revoked(old)
    assert await auth.bump_version("u2", ttl_seconds=3600) == 1
    clock.now += BOUND
    assert await service.is_revoked(old)
    assert not await service.is_revoked(token("b", user="u2", version=1))


async def test_without_a_cache_every_check_asks_redis(redis: Redis) -> None:
    service, auth = Revocations(redis, 0, Clock()), Revocations(redis, 0)
    assert not await service.is_revoked(token("a"))
    await auth.revoke(token("a"))
    assert await service.is_revoked(token("a"))


async def test_many_requests_on_an_old_epoch_share_one_read(redis: Redis) -> None:
    clock = Clock()
    service = Revocations(redis, BOUND, clock)
    tokens = [token(f"t{n}") for n in range(50)]
    for t in tokens:
        assert not await service.is_revoked(t)
    clock.now += BOUND
    calls = counted(redis)
    answers = await asyncio.gather(*(service.is_revoked(t) for t in tokens))
    assert answers == [False] * len(tokens)
    assert calls == ["get"]


async def test_a_failed_shared_read_fails_every_waiter_and_the_next_read_retries(
    redis: Redis, unused_tcp_port: int
) -> None:
    clock = Clock()
    service = Revocations(redis, BOUND, clock)
    assert not await service.is_revoked(token("a"))
    clock.now += BOUND
    service.redis = Redis(port=unused_tcp_port, socket_connect_timeout=1)
    outcomes = await asyncio.gather(
        *(service.is_revoked(token("a")) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(o, RedisConnectionError) for o in outcomes), outcomes
    await service.redis.aclose()
    service.redis = redis
    assert not await service.is_revoked(token("a"))
