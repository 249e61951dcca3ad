"""auth: users and sessions (`/api/users`)."""

from __future__ import annotations

from fastapi import FastAPI

from backend_services.common.app import create_app
from backend_services.common.runtime import ServiceSpec

from .api import router
from .deps import AuthDeps, auth_deps
from .settings import AuthSettings

# Redis (limits and sessions) is in every API's readiness check: see common/health.py.
SPEC: ServiceSpec[AuthSettings, AuthDeps] = ServiceSpec(
    name="auth",
    routers=[router],
    deps=auth_deps,
)


def create(settings: AuthSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or AuthSettings())
