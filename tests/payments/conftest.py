from __future__ import annotations

import asyncio
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
from sqlmodel import Session
from stripe import StripeClient

from backend_services.common.sessions import COOKIE_NAME, CurrentUser, issue_token
from backend_services.payments.main import create
from backend_services.payments.models import PaymentOrder
from backend_services.payments.settings import PaymentsSettings
from harness import servers
from harness.apps import make_settings, runtime_of, serve
from tests.support.bus import publish
from tests.support.waiting import eventually

WEBHOOK_SECRET = "whsec_test_" + "0" * 24


def payments_settings(
    database_url: str, nats_url: str, stripe_url: str, **kw: Any
) -> PaymentsSettings:
    defaults: dict[str, Any] = {
        "stripe_api_base": stripe_url,
        "replica_wait_seconds": 0.3,
        "reconcile_interval_seconds": 0.5,
        "stripe_timeout_seconds": 5,
        "stripe_webhook_secret": WEBHOOK_SECRET,
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
        wait: bool = True,
    ) -> str:
        """Publish `order.created`; with `wait`, return once the replica holds the order, so
        a request never races the event it depends on (the consumer may lag on a busy box).
        """
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
        if wait:
            await eventually(lambda: asyncio.to_thread(self._replicated, order_id))
        return order_id

    def _replicated(self, order_id: str) -> bool:
        with Session(self.engine) as session:
            return session.get(PaymentOrder, order_id) is not None

    async def order_ended(
        self, subject: str, order_id: str, version: int = 1, payment_id: str | None = None
    ) -> None:
        payload: dict[str, Any] = {
            "id": order_id,
            "version": version,
            "ticket": {"id": f"ticket-{order_id}"},
        }
        if payment_id is not None:
            payload["paymentId"] = payment_id
        await publish(
            self.nats_url, subject, payload, f"{subject}-{order_id}-{version}-{uuid.uuid4().hex}"
        )

    async def completed_with(self, order_id: str, payment_id: str) -> None:
        """What orders does once it accepts an authorization."""
        await self.order_ended("order.completed", order_id, payment_id=payment_id)

    async def rejected(self, order_id: str, payment_id: str, reason: str = "expired") -> None:
        payload = {"id": order_id, "paymentId": payment_id, "reason": reason}
        await publish(self.nats_url, "order.payment_rejected", payload, f"rejected-{payment_id}")


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
