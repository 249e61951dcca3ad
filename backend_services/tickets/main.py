"""tickets: seller listings (`/api/tickets`, `/api/listings`) and their e-ticket files."""

from __future__ import annotations

from backend_services.common.app import app_factory
from backend_services.common.runtime import ServiceSpec

from . import api, api_files, api_listings
from .consumers import consumers
from .deps import TicketsDeps, tickets_deps
from .settings import TicketsSettings

SPEC: ServiceSpec[TicketsSettings, TicketsDeps] = ServiceSpec(
    name="tickets",
    routers=[api.router, api_files.router],
    other_routers=[("/api/listings", api_listings.router)],
    deps=tickets_deps,
    consumers=consumers,
)

create = app_factory(SPEC, TicketsSettings)
