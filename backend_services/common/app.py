"""The FastAPI application every service is built from: `create_app(spec, settings)`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db import make_engine
from .errors import install_error_handlers
from .events import EventBus, OutboxRelay, run_consumer
from .health import service_health_router
from .logs import configure_logging
from .migrations import upgrade_to_head
from .openapi import with_contract_errors
from .runtime import Runtime, ServiceSpec
from .settings import ServiceSettings
from .tasks import stop
from .threads import in_thread

log = logging.getLogger(__name__)


def create_app(spec: ServiceSpec[Any, Any], settings: ServiceSettings) -> FastAPI:
    prefix = spec.prefix
    app = FastAPI(
        title=f"{spec.name} service",
        lifespan=_lifespan(spec, settings),
        docs_url=f"{prefix}/docs" if spec.routers else None,
        openapi_url=f"{prefix}/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(RequestId)
    # Health first, so a service's `/{id}` route never shadows /healthz or /readyz.
    app.include_router(service_health_router(spec), prefix=prefix)
    for router in spec.routers:
        app.include_router(router, prefix=prefix)
    app.openapi = with_contract_errors(app)  # type: ignore[method-assign]
    return app


def _lifespan(
    spec: ServiceSpec[Any, Any], settings: ServiceSettings
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level, settings.log_json)
        runtime: Runtime[Any, Any] = Runtime(settings=settings, deps=None)
        app.state.runtime = runtime
        async with contextlib.AsyncExitStack() as stack:
            if spec.migrations_dir is not None:
                runtime.db = make_engine(settings.database_url)
                stack.callback(runtime.db.dispose)
                await in_thread(upgrade_to_head, runtime.db, spec.migrations_dir)
            if spec.on_bus:
                runtime.events = EventBus(settings.nats_url, settings.nats_stream, spec.name)
                await runtime.events.start()
                stack.push_async_callback(runtime.events.close)
            runtime.deps = await stack.enter_async_context(spec.deps(runtime))
            tasks = [asyncio.create_task(loop) for loop in _background(runtime, spec)]
            stack.push_async_callback(stop, tasks)
            log.info("%s ready on %s", spec.name, spec.prefix or "/")
            yield

    return lifespan


def _background(
    runtime: Runtime[Any, Any], spec: ServiceSpec[Any, Any]
) -> list[Coroutine[Any, Any, None]]:
    loops: list[Coroutine[Any, Any, None]] = []
    if runtime.db is not None and spec.info.publishes:
        relay = OutboxRelay(runtime.db, runtime.bus, runtime.settings.outbox_poll_seconds)
        loops.append(relay.run())
    loops += [run_consumer(runtime.bus, consumer) for consumer in spec.consumers(runtime)]
    loops += spec.background(runtime)
    return loops


class RequestId:
    """Keep the caller's X-Request-Id (or mint one) on `request.state` and the response.

    Plain ASGI rather than `app.middleware("http")`: Starlette's BaseHTTPMiddleware runs
    every request through an extra task and memory streams, a cost on every call.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"x-request-id")
        request_id = header.decode("latin-1") if header else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
