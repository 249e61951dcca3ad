"""orders: reservations with a hold timer (`/api/orders`)."""

from __future__ import annotations

from backend_services.common.app import app_factory
from backend_services.common.runtime import ServiceSpec, nothing_to_close

from .api import router
from .consumers import consumers
from .inflight import HoldsInFlight
from .observe import observe
from .settings import OrdersSettings
from .sweeper import sweeper

SPEC: ServiceSpec[OrdersSettings, HoldsInFlight] = ServiceSpec(
    name="orders",
    routers=[router],
    consumers=consumers,
    background=sweeper,
    observe=observe,
    deps=nothing_to_close(lambda _: HoldsInFlight()),
)

create = app_factory(SPEC, OrdersSettings)
