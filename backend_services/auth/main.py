"""auth: users and sessions (`/api/users`)."""

from __future__ import annotations

from backend_services.common.app import app_factory
from backend_services.common.runtime import ServiceSpec

from .api import router
from .deps import auth_deps
from .service import Guard
from .settings import AuthSettings

# Redis (limits and sessions) is in every API's readiness check: see common/health.py.
SPEC: ServiceSpec[AuthSettings, Guard] = ServiceSpec(
    name="auth",
    routers=[router],
    deps=auth_deps,
)

create = app_factory(SPEC, AuthSettings)
