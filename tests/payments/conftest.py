from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import stripe
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from stripe import StripeClient

from backend_services.common.sessions import COOKIE_NAME, CurrentUser, issue_token
from backend_services.payments.main import create
from backend_services.payments.settings import PaymentsSettings
from harness import servers
from harness.apps import make_settings, runtime_of, serve
from tests.support.bus import publish


def payments_settings(
    database_url: str, nats_url: str, stripe_url: str, **kw: Any
) -> PaymentsSettings:
    defaults: dict[str, Any] = {
        "stripe_api_base": stripe_url,
        "replica_wait_seconds": 0.3,
        "reconcile_interval_seconds": 0.5,
        "stripe_timeout_seconds": 5,
    }
    return make_settings(
        PaymentsSettings, database_url=database_url, nats_url=nats_url, **{**defaults, **kw}
    )


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with servers.running(servers.localstripe_server(tmp_path_factory.mktemp("stripe"))) as s:
        yield f"http://127.0.0.1:{s.port}"


@pytest.fixture(scope="session")
def stripe_client(localstripe: str) -> StripeClient:
    """Test-side view of the local Stripe: what was really charged and refunded."""
    return StripeClient(
        "sk_test_local",
        base_addresses={"api": localstripe},
        http_client=stripe.RequestsClient(timeout=10),
        max_network_retries=2,
    )


@dataclass
class Payments:
    app: FastAPI
    client: httpx.AsyncClient
    nats_url: str

    @property
    def engine(self) -> Engine:
        return runtime_of(self.app).engine

    async def pay(
        self, person: Person, order_id: str, token: str = "pm_card_visa"
    ) -> httpx.Response:
        return await self.client.post(
            "/api/payments", json={"orderId": order_id, "token": token}, headers=person.headers
        )

    async def order_created(
        self,
        person: Person,
        price: int = 2000,
        expires_in: float = 900,
        order_id: str | None = None,
    ) -> str:
        order_id = order_id or uuid.uuid4().hex
        payload = {
            "id": order_id,
            "version": 0,
            "status": "created",
            "userId": person.id,
            "expiresAt": (datetime.now(UTC) + timedelta(seconds=expires_in)).isoformat(),
            "ticket": {"id": f"ticket-{order_id}", "price": price},
        }
        await publish(self.nats_url, "order.created", payload, f"order-created-{order_id}")
        return order_id

    async def order_ended(self, subject: str, order_id: str, version: int = 1) -> None:
        payload = {"id": order_id, "version": version, "ticket": {"id": f"ticket-{order_id}"}}
        await publish(
            self.nats_url, subject, payload, f"{subject}-{order_id}-{version}-{uuid.uuid4().hex}"
        )


@contextlib.asynccontextmanager
async def running_payments(settings: PaymentsSettings) -> AsyncIterator[Payments]:
    app = create(settings)
    async with serve(app) as client:
        yield Payments(app, client, settings.nats_url)


@pytest.fixture
async def payments(database_url: str, nats_url: str, localstripe: str) -> AsyncIterator[Payments]:
    async with running_payments(payments_settings(database_url, nats_url, localstripe)) as p:
        yield p


_SETTINGS = make_settings(PaymentsSettings)


@dataclass(frozen=True)
class Person:
    name: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def headers(self) -> dict[str, str]:
        token = issue_token(_SETTINGS, CurrentUser(id=self.id, email=f"{self.name}@example.com"))
        return {"Cookie": f"{COOKIE_NAME}={token}"}


@pytest.fixture
def buyer() -> Person:
    return Person("buyer")


@pytest.fixture
def stranger() -> Person:
    return Person("stranger")
