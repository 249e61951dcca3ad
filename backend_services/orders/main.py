"""orders: reservations with a hold timer (`/api/orders`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from backend_services.common.app import create_app
from backend_services.common.runtime import ServiceSpec

from .api import router
from .consumers import consumers
from .observe import observe
from .settings import OrdersSettings
from .sweeper import sweeper

SPEC: ServiceSpec[OrdersSettings, None] = ServiceSpec(
    name="orders",
    routers=[router],
    migrations_dir=Path(__file__).parent / "migrations",
    consumers=consumers,
    background=sweeper,
    observe=observe,
)


def create(settings: OrdersSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or OrdersSettings())
