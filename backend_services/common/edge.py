"""The one middleware of ours around every request: its id, 503 until serving, metrics.

Plain ASGI, one layer: Starlette's BaseHTTPMiddleware runs every request through an
extra task and memory streams, and each layer (with its `send` wrapper) is paid on
every call, the on-sale's 409s included.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body
from .metrics import METRICS_PATH, Metrics, route_template
from .runtime import Runtime

OPEN_WHILE_STARTING = ("healthz", "readyz", "docs", "openapi.json")


class Edge:
    """Keeps the caller's X-Request-Id (or mints one) on `request.state` and the
    response; until the database is migrated, routes answer 503 (health, docs and
    metrics still work); every answer is counted by route template and status, 503s
    and 500s too, with its latency."""

    def __init__(self, app: ASGIApp, prefix: str, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.open_paths = {*(f"{prefix}/{p}" for p in OPEN_WHILE_STARTING), METRICS_PATH}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        header = dict(scope["headers"]).get(b"x-request-id")
        request_id = header.decode("latin-1") if header else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500  # unless a response starts: an exception escaped

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        try:
            if self._starting(scope):
                body = error_body(("The service is starting, please try again", None))
                unavailable = JSONResponse(body, status_code=503, headers={"Retry-After": "2"})
                await unavailable(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            route, method = route_template(scope), scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)

    def _starting(self, scope: Scope) -> bool:
        if scope["path"] in self.open_paths:
            return False
        runtime: Runtime[Any, Any] | None = getattr(scope["app"].state, "runtime", None)
        return runtime is not None and not runtime.serving.is_set()
