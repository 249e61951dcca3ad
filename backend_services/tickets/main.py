"""tickets: seller listings (`/api/tickets`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from backend_services.common.app import create_app
from backend_services.common.runtime import ServiceSpec

from .api import router
from .consumers import consumers
from .settings import TicketsSettings

SPEC: ServiceSpec[TicketsSettings, None] = ServiceSpec(
    name="tickets",
    routers=[router],
    migrations_dir=Path(__file__).parent / "migrations",
    consumers=consumers,
)


def create(settings: TicketsSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or TicketsSettings())
