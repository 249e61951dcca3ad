"""payments: Stripe charges for orders (`/api/payments`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from backend_services.common.app import Runtime, ServiceSpec, create_app
from backend_services.common.tasks import stop

from .api import router
from .consumers import consumers
from .gateway import StripeGateway
from .refunds import Refunder
from .settings import PaymentsSettings


@contextlib.asynccontextmanager
async def _stripe(runtime: Runtime) -> AsyncIterator[None]:
    settings = runtime.settings
    assert isinstance(settings, PaymentsSettings)
    gateway = StripeGateway(settings)
    refunder = Refunder(
        runtime.engine,
        gateway,
        lease=timedelta(seconds=settings.payment_lease_seconds),
        interval=settings.reconcile_interval_seconds,
    )
    runtime.extras["stripe"] = gateway
    runtime.extras["refunder"] = refunder
    task = asyncio.create_task(refunder.run(), name="payments-refunder")
    try:
        yield
    finally:
        await stop([task])


SPEC = ServiceSpec(
    name="payments",
    prefix="/api/payments",
    routers=[router],
    migrations_dir=Path(__file__).parent / "migrations",
    consumers=consumers,
    resources=_stripe,
)


def create(settings: PaymentsSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or PaymentsSettings())
