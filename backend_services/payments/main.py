"""payments: authorize, then capture or void as orders decides (`/api/payments`)."""

from __future__ import annotations

from backend_services.common.app import app_factory
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

create = app_factory(SPEC, PaymentsSettings)
