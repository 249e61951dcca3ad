"""`/healthz` (the process is alive) and `/readyz` (can it serve requests?).

Ready means: the service's own database is migrated and reachable. The event
bus and the extra checks (Redis) are reported in the body's `checks`, never a
gate: the outbox rides out a NATS outage, and a bus blip must not take every
API out of its Service's endpoints at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .db import ping
from .errors import error_body, error_responses
from .runtime import Runtime, ServiceSpec
from .threads import in_thread

# What a probe found: problems (any makes /readyz 503) and every dependency's state.
Readiness = tuple[list[str], dict[str, str]]
ReadinessProbe = Callable[[Request], Awaitable[Readiness]]


def health_router(probe: ReadinessProbe) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses=error_responses(503))
    async def readyz(request: Request) -> JSONResponse:
        problems, checks = await probe(request)
        if problems:
            body = error_body(*((p, None) for p in problems))
            return JSONResponse({**body, "checks": checks}, status_code=503)
        return JSONResponse({"status": "ready", "checks": checks})

    return router


def service_health_router(spec: ServiceSpec[Any, Any]) -> APIRouter:
    async def probe(request: Request) -> Readiness:
        return await readiness(request.app.state.runtime, spec)

    return health_router(probe)


async def readiness(runtime: Runtime[Any, Any], spec: ServiceSpec[Any, Any]) -> Readiness:
    problems: list[str] = []
    checks: dict[str, str] = {}
    if runtime.events is not None:
        checks["events"] = "ok" if runtime.events.connected else "unreachable"
    if not runtime.serving.is_set():
        checks["database"] = "starting"
        return ["database not reachable or not migrated yet"], checks
    if runtime.db is not None:
        try:
            await in_thread(ping, runtime.db)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = type(exc).__name__
            problems.append(f"database unreachable: {type(exc).__name__}")
    if runtime.revocations is not None:  # the session deny-list (and auth's limits)
        try:
            await asyncio.wait_for(runtime.revocations.redis.ping(), 2)
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = type(exc).__name__
    checks.update(runtime.consumers.checks())  # a consumer down, and why
    for check in spec.ready_checks:
        try:
            await check(runtime)
            checks[check.__name__] = "ok"
        except Exception as exc:
            checks[check.__name__] = type(exc).__name__
    return problems, checks
