"""payments: authorize, then capture or void as orders decides (`/api/payments`)."""

from __future__ import annotations

from fastapi import FastAPI

from backend_services.common.app import create_app
from backend_services.common.runtime import ServiceSpec

from .api import router
from .consumers import consumers
from .deps import PaymentsDeps, payments_deps, reconciler
from .settings import PaymentsSettings

SPEC: ServiceSpec[PaymentsSettings, PaymentsDeps] = ServiceSpec(
    name="payments",
    routers=[router],
    deps=payments_deps,
    consumers=consumers,
    background=reconciler,
)


def create(settings: PaymentsSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or PaymentsSettings())
