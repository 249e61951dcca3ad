"""payments: authorize, then capture or void as orders decides (`/api/payments`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from backend_services.common.app import Runtime, ServiceSpec, create_app

from .api import router
from .consumers import consumers
from .gateway import StripeGateway
from .reconciling import reconcile
from .settings import PaymentsSettings
from .settling import Settler, settle_due


@contextlib.asynccontextmanager
async def _stripe(runtime: Runtime) -> AsyncIterator[None]:
    settings = runtime.settings
    assert isinstance(settings, PaymentsSettings)
    gateway = StripeGateway(settings)
    lease = timedelta(seconds=settings.payment_lease_seconds)
    settle_lease = timedelta(seconds=settings.settle_lease_seconds)
    grace = timedelta(seconds=settings.authorization_grace_seconds)
    recheck = timedelta(seconds=settings.challenge_recheck_seconds)
    settler = Settler(
        [
            ("reconcile", partial(reconcile, runtime.engine, gateway, lease, grace, recheck)),
            ("settle", partial(settle_due, runtime.engine, gateway, settle_lease)),
        ],
        interval=settings.reconcile_interval_seconds,
    )
    runtime.extras["stripe"] = gateway
    runtime.extras["settler"] = settler
    task = asyncio.create_task(settler.run(), name="payments-settler")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


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
