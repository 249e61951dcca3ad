"""`python -m backend_services <name>` (or `-m backend_services.<name>`): run one service."""

from __future__ import annotations

import os

import uvicorn

from contracts.topology import by_name


def serve(name: str) -> None:
    """Serve the service `name` of the topology table: `<module>.main:create` on its port."""
    service = by_name(name)
    uvicorn.run(
        f"{service.module}.main:create",
        factory=True,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", service.port)),
        # The client's address is read from X-Forwarded-For by our own rules (TRUSTED_PROXIES,
        # client_address.py); uvicorn's rewrite of it would only cost every request.
        proxy_headers=False,
        log_config=None,  # our structured logging (configured in the lifespan)
        access_log=False,
        timeout_graceful_shutdown=10,
        # Longer than the ingress keeps idle upstream connections (nginx: 60 s), so
        # nginx never reuses a connection uvicorn is closing (a 502 on a POST).
        timeout_keep_alive=75,
    )
