"""catalog: events to buy tickets for, with live availability (`/api/events`)."""

from __future__ import annotations

from backend_services.common.app import app_factory
from backend_services.common.runtime import ServiceSpec

from .api import router
from .consumers import consumers
from .settings import CatalogSettings

SPEC: ServiceSpec[CatalogSettings, None] = ServiceSpec(
    name="catalog",
    routers=[router],
    consumers=consumers,
)

create = app_factory(SPEC, CatalogSettings)
