"""An asyncio HTTP client for many simulated users through the ingress.

One `httpx.AsyncClient` (HTTP/1.1 keep-alive pool) serves every simulated user;
each request carries its user's session cookie explicitly and the client's own
cookie jar refuses everything, so users never share a session. `max_in_flight`
bounds concurrent requests with a semaphore and latency is measured inside it:
it is the service's latency under that concurrency, not time spent queueing in
the load generator.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.cookiejar
import math
import time
import uuid
from collections import Counter
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

PASSWORD = "password123"
T = TypeVar("T")


@dataclass(frozen=True)
class User:
    id: str
    email: str
    token: str

    @property
    def cookie(self) -> dict[str, str]:
        return {"Cookie": f"session={self.token}"}


@dataclass
class Result:
    status: int  # 0: no HTTP response (timeout, connection error)
    latency: float  # seconds
    body: Any = None
    error: str | None = None
    started: float = 0.0  # time.time() when sent

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Tally:
    """Latencies and outcomes of one kind of request."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, result: Result) -> None:
        self.latencies.append(result.latency)
        self.statuses[result.status] += 1
        if result.error:
            self.errors[result.error] += 1

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)

    @property
    def transport_errors(self) -> int:
        return self.statuses.get(0, 0)

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.count,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors_5xx": self.server_errors,
            "timeouts_or_connection_errors": self.transport_errors,
            "errors": dict(self.errors),
            "latency_ms": latency_summary(self.latencies),
        }


def percentile(values: Iterable[float], p: float) -> float | None:
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return data[low] + (data[high] - data[low]) * (rank - low)


def latency_summary(seconds: Iterable[float], scale: float = 1000.0) -> dict[str, Any]:
    data = sorted(seconds)
    if not data:
        return {"n": 0}

    def r(v: float | None) -> float | None:
        return None if v is None else round(v * scale, 2)

    return {
        "n": len(data),
        "min": r(data[0]),
        "p50": r(percentile(data, 50)),
        "p95": r(percentile(data, 95)),
        "p99": r(percentile(data, 99)),
        "max": r(data[-1]),
        "mean": r(sum(data) / len(data)),
    }


class Api:
    def __init__(self, base_url: str, max_in_flight: int = 100, timeout: float = 15.0) -> None:
        jar = http.cookiejar.CookieJar(
            policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
        )
        self.client = httpx.AsyncClient(
            base_url=base_url,
            cookies=jar,
            timeout=httpx.Timeout(timeout, pool=None),
            limits=httpx.Limits(
                max_connections=max_in_flight, max_keepalive_connections=max_in_flight
            ),
        )
        self.gate = asyncio.Semaphore(max_in_flight)
        # Sign-ups hash a password (argon2, ~0.1-0.3 s of CPU each): queueing dozens of
        # them at one auth process only turns into client timeouts.
        self.signup_gate = asyncio.Semaphore(4)

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def call(
        self,
        method: str,
        path: str,
        user: User | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Result:
        headers = user.cookie if user else {}
        async with self.gate:
            started_wall = time.time()
            started = time.perf_counter()
            try:
                response = await self.client.request(
                    method, path, json=json, headers=headers, params=params
                )
            except httpx.TimeoutException as exc:
                return Result(
                    0,
                    time.perf_counter() - started,
                    None,
                    f"timeout:{type(exc).__name__}",
                    started_wall,
                )
            except httpx.TransportError as exc:
                return Result(
                    0, time.perf_counter() - started, None, type(exc).__name__, started_wall
                )
            latency = time.perf_counter() - started
        try:
            body = response.json()
        except ValueError:
            body = response.text[:500]
        return Result(response.status_code, latency, body, None, started_wall)

    # --- the contract's calls -------------------------------------------------
    async def signup(self, prefix: str = "bench") -> User:
        """A real sign-up (argon2 in auth): few at a time, with a generous timeout."""
        email = f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"
        async with self.signup_gate, self.gate:
            response = await self.client.post(
                "/api/users/signup", json={"email": email, "password": PASSWORD}, timeout=120
            )
        if response.status_code != 201:
            raise RuntimeError(f"signup failed: {response.status_code} {response.text[:300]}")
        token = response.cookies.get("session")
        if not token:
            raise RuntimeError("signup set no session cookie")
        return User(id=response.json()["id"], email=email, token=token)

    async def users(self, n: int, prefix: str = "bench") -> list[User]:
        return list(await asyncio.gather(*(self.signup(prefix) for _ in range(n))))

    async def create_ticket(self, seller: User, title: str, price: int) -> Result:
        return await self.call("POST", "/api/tickets", seller, {"title": title, "price": price})

    async def ticket(self, ticket_id: str) -> Result:
        return await self.call("GET", f"/api/tickets/{ticket_id}")

    async def order(self, buyer: User, ticket_id: str) -> Result:
        return await self.call("POST", "/api/orders", buyer, {"ticketId": ticket_id})

    async def get_order(self, buyer: User, order_id: str) -> Result:
        return await self.call("GET", f"/api/orders/{order_id}", buyer)

    async def orders(self, buyer: User) -> Result:
        return await self.call("GET", "/api/orders", buyer)

    async def cancel(self, buyer: User, order_id: str) -> Result:
        return await self.call("DELETE", f"/api/orders/{order_id}", buyer)

    async def pay(self, buyer: User, order_id: str, token: str = "pm_card_visa") -> Result:
        return await self.call(
            "POST", "/api/payments", buyer, {"orderId": order_id, "token": token}
        )

    async def orderable(self, seller: User, ticket_id: str) -> bool:
        """Whether orders knows the ticket, without taking a hold: the seller may not buy
        their own ticket (400), an unknown ticket is 404."""
        result = await self.order(seller, ticket_id)
        if result.status == 201:  # a contract breach; undo it so no hold is left behind
            await self.cancel(seller, result.body["id"])
            raise AssertionError(f"orders let a seller buy their own ticket {ticket_id}")
        return result.status == 400


async def poll(probe: Any, done: Any, timeout: float, interval: float = 0.005) -> tuple[Any, float]:
    """Call `await probe()` until `done(value)`; returns (value, seconds waited)."""
    started = time.perf_counter()
    while True:
        value = await probe()
        if done(value):
            return value, time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"not done after {timeout}s (last: {value!r})")
        await asyncio.sleep(interval)


def mint_user(jwt_key: str, prefix: str = "minted") -> User:
    """A session signed with the stack's own JWT_KEY, exactly as auth issues them.

    Every service verifies the cookie itself (no call to auth), so a harness that owns
    the stack's key can stand up thousands of buyers without paying argon2 for each;
    the sign-up rate is measured on its own.
    """
    from backend_services.common.sessions import CurrentUser, issue_token
    from backend_services.common.settings import ServiceSettings

    settings = ServiceSettings(jwt_key=jwt_key)
    user_id = uuid.uuid4().hex
    email = f"{prefix}-{user_id[:12]}@example.com"
    return User(id=user_id, email=email, token=issue_token(settings, CurrentUser(user_id, email)))


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous code, on a thread of its own.

    The system tests are synchronous and share their process with Playwright's sync API,
    which owns the main thread's event loop; a fresh thread keeps the two apart.
    """
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="bench") as pool:
        return pool.submit(asyncio.run, coro).result()
