"""The one way states GET from the services: directly, or shared through a `FetchCache`."""

from __future__ import annotations

import asyncio
from typing import Any

from .. import api
from ..api import ApiResponse


class FetchCache:
    """Shares identical GETs between the tabs refreshed for one batch of events."""

    def __init__(self) -> None:
        self._tasks: dict[tuple[Any, ...], asyncio.Future[ApiResponse]] = {}

    def get(
        self, path: str, cookie: str, params: dict[str, Any] | None
    ) -> asyncio.Future[ApiResponse]:
        key = (path, tuple(sorted((params or {}).items())), api.session_cookie_header(cookie))
        fut = self._tasks.get(key)
        if fut is None:
            fut = asyncio.ensure_future(api.call("GET", path, cookie=cookie, params=params))
            self._tasks[key] = fut
        return fut


async def fetch(
    path: str,
    *,
    cookie: str = "",
    cache: FetchCache | None = None,
    params: dict[str, Any] | None = None,
) -> ApiResponse:
    """GET `path` with `cookie` ("" for public data); through `cache` when one is given."""
    if cache is not None:
        return await cache.get(path, cookie, params)
    return await api.call("GET", path, cookie=cookie, params=params)
