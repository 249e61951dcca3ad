"""What a service is (`ServiceSpec`) and what a running one holds (`Runtime`).

A spec names its row of `contracts.topology`; from that row follow its route
prefix, whether it connects to the bus (it publishes or consumes subjects) and
whether it relays an outbox (it publishes and keeps a database). Per-service
dependencies (a Redis client, a Stripe gateway) are a typed object made by the
spec's `deps` context manager, never string-keyed extras.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request
from sqlalchemy.engine import Engine

from contracts.topology import Kind, ServiceInfo, by_name

from .events import Consumer, ConsumerHealth, EventBus
from .metrics import Metrics
from .revocation import Revocations
from .settings import CommonSettings

SERVICES_DIR = Path(__file__).resolve().parents[1]  # backend_services/
S = TypeVar("S", bound=CommonSettings)
D = TypeVar("D")


@dataclass
class Runtime(Generic[S, D]):
    """A running service: passed to routes, consumers and background loops."""

    settings: S
    deps: D
    db: Engine | None = None
    events: EventBus | None = None
    # Set once the database (if any) is migrated and the deps and loops run.
    serving: asyncio.Event = field(default_factory=asyncio.Event)
    # APIs: the session deny-list every request is checked against (Redis).
    revocations: Revocations | None = None
    consumers: ConsumerHealth = field(default_factory=ConsumerHealth)  # for /readyz
    metrics: Metrics = field(default_factory=Metrics)  # served at /metrics

    @property
    def engine(self) -> Engine:
        if self.db is None:
            raise RuntimeError("this service keeps no database")
        return self.db

    @property
    def bus(self) -> EventBus:
        if self.events is None:
            raise RuntimeError("this service is not on the event bus")
        return self.events

    @property
    def sessions(self) -> Revocations:
        if self.revocations is None:
            raise RuntimeError("this service checks no sessions")
        return self.revocations


def nothing_to_close(
    make: Callable[[Runtime[S, None]], D],
) -> Callable[[Runtime[S, None]], contextlib.AbstractAsyncContextManager[D]]:
    """`ServiceSpec.deps` for dependencies that need no shutdown (no connection, no task)."""

    @contextlib.asynccontextmanager
    async def deps(runtime: Runtime[S, None]) -> AsyncIterator[D]:
        yield make(runtime)

    return deps


no_deps = nothing_to_close(lambda _: None)


@dataclass(frozen=True)
class ServiceSpec(Generic[S, D]):
    name: str  # its row in contracts.topology
    routers: Sequence[APIRouter] = ()
    # Routers under the row's `also_serves` prefixes: (prefix, router).
    other_routers: Sequence[tuple[str, APIRouter]] = ()
    # Typed dependencies, entered after the database and the bus, closed before them.
    deps: Callable[[Runtime[S, None]], contextlib.AbstractAsyncContextManager[D]] = no_deps  # type: ignore[assignment]
    consumers: Callable[[Runtime[S, D]], Sequence[Consumer]] = lambda _: ()
    # Long-running loops (sweeper, reconciler, arq worker), stopped at shutdown.
    background: Callable[[Runtime[S, D]], Sequence[Coroutine[Any, Any, None]]] = lambda _: ()
    # Reported by /readyz, never a gate: only the service's own database is.
    ready_checks: Sequence[Callable[[Runtime[S, D]], Awaitable[None]]] = field(default=())
    # The service's own metrics (`runtime.metrics.counter/gauge`), registered at start.
    observe: Callable[[Runtime[S, D]], None] = lambda _: None

    @property
    def info(self) -> ServiceInfo:
        return by_name(self.name)

    @property
    def migrations_dir(self) -> Path | None:
        """`backend_services/<name>/migrations` if its topology row keeps a database."""
        return SERVICES_DIR / self.name / "migrations" if self.info.database else None

    @property
    def prefix(self) -> str:
        return self.info.health_prefix

    @property
    def on_bus(self) -> bool:
        return bool(self.info.publishes or self.info.consumes)

    @property
    def checks_sessions(self) -> bool:
        """Every API reads the session cookie, so every API asks the deny-list."""
        return self.info.kind is Kind.API


async def request_runtime(request: Request) -> Any:
    """FastAPI dependency; each service annotates it with its own `Runtime[S, D]`.

    `async`, like every dependency that does not block: FastAPI runs a plain `def`
    one in a worker thread, a thread hop per request for a mere attribute read.
    """
    return request.app.state.runtime
