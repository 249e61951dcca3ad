"""`python -m backend_services.<service>`: run one service process."""

from __future__ import annotations

import os

import uvicorn


def serve(factory: str, default_port: int) -> None:
    uvicorn.run(
        factory,
        factory=True,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", default_port)),
        proxy_headers=True,
        log_config=None,  # our structured logging (configured in the lifespan)
        access_log=False,
        timeout_graceful_shutdown=10,
        # Longer than the ingress keeps idle upstream connections (nginx: 60 s), so
        # nginx never reuses a connection uvicorn is closing (a 502 on a POST).
        timeout_keep_alive=75,
    )
