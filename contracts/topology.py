"""The one table of services: everything else that names a service is derived from it.

`make run` (scripts/stack.py), the harness that tests and bench start stacks
with, the ingress routes (infra/routes.py), the Kubernetes manifests, skaffold
and the Dockerfile are generated or checked from `SERVICES`
(tests/infra/test_topology.py fails when any of them disagrees).

Adding a service: its package under `backend_services/<name>` (with a `main.py`
exposing `create()` for APIs or a worker app), one row here, then
`make generate` to rewrite the generated files.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from .events import Subject


class Kind(StrEnum):
    API = "api"  # HTTP routes under `prefix`, behind the ingress
    WORKER = "worker"  # no public routes; /healthz and /readyz on its own port


class ServiceInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # package, process, image, Kubernetes Deployment and NATS user
    kind: Kind
    port: int  # local port of the first replica (replica i: port + 10 * i)
    summary: str
    prefix: str | None = None  # APIs: the ingress path prefix, e.g. "/api/users"
    # Further path prefixes routed to it (tickets also serves "/api/listings").
    also_serves: tuple[str, ...] = ()
    database: bool = False  # owns a database (SQLite locally, PostgreSQL on k8s)
    # Every API: the session deny-list (sign-out) is in Redis; see _apis_use_redis.
    redis: bool = False
    stripe: bool = False
    publishes: tuple[Subject, ...] = ()
    consumes: tuple[Subject, ...] = ()

    @model_validator(mode="after")
    def _apis_use_redis(self) -> ServiceInfo:
        if self.kind is Kind.API and not self.redis:
            raise ValueError(f"{self.name}: every API checks sessions in Redis (redis=True)")
        return self

    @property
    def module(self) -> str:
        return f"backend_services.{self.name}"

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Every path prefix the ingress routes to it."""
        return (self.prefix, *self.also_serves) if self.prefix else self.also_serves

    @property
    def health_prefix(self) -> str:
        return self.prefix or ""

    @property
    def env_prefix(self) -> str:
        """Settings of the local stack that concern this service: `TICKETS_PORT`, ..."""
        return self.name.upper()


S = Subject
# Subjects that travel together: the whole life of one kind of record.
TICKET_CHANGES = (S.TICKET_CREATED, S.TICKET_UPDATED)
EVENT_CHANGES = (S.EVENT_CREATED, S.EVENT_UPDATED)
ORDER_CHANGES = (S.ORDER_CREATED, S.ORDER_CANCELLED, S.ORDER_COMPLETED)


def _api(name: str, port: int, prefix: str, summary: str, **more: Any) -> ServiceInfo:
    """A row for an API: every API owns a database and checks sessions in Redis."""
    return ServiceInfo(
        name=name,
        kind=Kind.API,
        port=port,
        prefix=prefix,
        summary=summary,
        database=True,
        redis=True,
        **more,
    )


SERVICES: tuple[ServiceInfo, ...] = (
    _api("auth", 4001, "/api/users", "users and sessions"),
    _api(
        "tickets",
        4002,
        "/api/tickets",
        "seller listings",
        also_serves=("/api/listings",),
        publishes=TICKET_CHANGES,
        consumes=(*ORDER_CHANGES, *EVENT_CHANGES),
    ),
    _api(
        "orders",
        4003,
        "/api/orders",
        "reservations with a hold timer",
        publishes=(*ORDER_CHANGES, S.ORDER_PAYMENT_REJECTED),
        consumes=(*TICKET_CHANGES, S.EXPIRATION_COMPLETE, S.PAYMENT_AUTHORIZED),
    ),
    _api(
        "payments",
        4004,
        "/api/payments",
        "Stripe authorizations, captures and voids",
        stripe=True,
        publishes=(S.PAYMENT_AUTHORIZED, S.PAYMENT_CAPTURED, S.PAYMENT_VOIDED),
        consumes=(*ORDER_CHANGES, S.ORDER_PAYMENT_REJECTED),
    ),
    ServiceInfo(
        name="expiration",
        kind=Kind.WORKER,
        port=4005,
        summary="hold timers (arq on Redis)",
        redis=True,
        publishes=(S.EXPIRATION_COMPLETE,),
        consumes=(S.ORDER_CREATED,),
    ),
    _api(
        "catalog",
        4006,
        "/api/events",
        "events with live availability",
        publishes=EVENT_CHANGES,
        consumes=TICKET_CHANGES,
    ),
)

# The Reflex UI: every path no API prefix claims. It only subscribes to the bus.
UI_NAME = "ui"
UI_PORT = 3000
UI_CONSUMES: tuple[Subject, ...] = tuple(Subject)

# Ports of the shared parts of the local stack.
INFRA_PORTS: dict[str, int] = {"nats": 4222, "nats_monitor": 8222, "redis": 6379, "stripe": 8420}
REPLICA_PORT_STEP = 10
HTTP_PORT = 8080  # the ingress
K8S_HTTP_PORT = 8000  # every service container listens here on Kubernetes


def by_name(name: str) -> ServiceInfo:
    for service in SERVICES:
        if service.name == name:
            return service
    raise KeyError(f"no service named {name!r} in contracts.topology")


def apis() -> tuple[ServiceInfo, ...]:
    return tuple(s for s in SERVICES if s.kind is Kind.API)


def local_ports() -> dict[str, int]:
    """Every port of the local stack by name: services, the UI and the shared parts."""
    return {**{s.name: s.port for s in SERVICES}, UI_NAME: UI_PORT, **INFRA_PORTS}


def bus_inbox_prefix(user: str) -> str:
    """Where a bus user's request replies and pull deliveries arrive (nats `inbox_prefix`):
    its permissions let it subscribe there only, never to another user's replies."""
    return f"_INBOX.{user}"
