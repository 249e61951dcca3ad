"""catalog: events to buy tickets for, with live availability (`/api/events`)."""

from __future__ import annotations

from fastapi import FastAPI

from backend_services.common.app import create_app
from backend_services.common.runtime import ServiceSpec

from .api import router
from .consumers import consumers
from .settings import CatalogSettings

SPEC: ServiceSpec[CatalogSettings, None] = ServiceSpec(
    name="catalog",
    routers=[router],
    consumers=consumers,
)


def create(settings: CatalogSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or CatalogSettings())
