"""`/healthz` (the process is alive) and `/readyz` (503 listing what is unreachable)."""

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

ReadinessProbe = Callable[[Request], Awaitable[list[str]]]


def health_router(problems: ReadinessProbe) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses=error_responses(503))
    async def readyz(request: Request) -> JSONResponse:
        found = await problems(request)
        if found:
            return JSONResponse(error_body(*((p, None) for p in found)), status_code=503)
        return JSONResponse({"status": "ready"})

    return router


def service_health_router(spec: ServiceSpec[Any, Any]) -> APIRouter:
    async def problems(request: Request) -> list[str]:
        return await readiness_problems(request.app.state.runtime, spec)

    return health_router(problems)


async def readiness_problems(runtime: Runtime[Any, Any], spec: ServiceSpec[Any, Any]) -> list[str]:
    problems: list[str] = []
    if runtime.db is not None:
        try:
            await in_thread(ping, runtime.db)
        except Exception as exc:
            problems.append(f"database unreachable: {type(exc).__name__}")
    if runtime.events is not None and not runtime.events.connected:
        problems.append("event bus unreachable")
    if runtime.revocations is not None:
        try:
            await asyncio.wait_for(runtime.revocations.redis.ping(), 2)
        except Exception as exc:
            problems.append(f"redis unreachable: {type(exc).__name__}")
    problems.extend(runtime.consumers.problems())
    for check in spec.ready_checks:
        try:
            await check(runtime)
        except Exception as exc:
            problems.append(f"{check.__name__}: {type(exc).__name__}")
    return problems
