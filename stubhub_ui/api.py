"""Calls from the Reflex backend to the services, through the ingress.

The browser's `session` cookie (read from the websocket handshake headers) is
forwarded as-is, so every service authenticates the user itself.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts.rules import COOKIE_NAME

from .settings import get_settings

log = logging.getLogger("stubhub_ui.api")

UNAVAILABLE = "The service is unavailable right now. Please try again in a moment."


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def errors(self) -> list[dict[str, Any]]:
        """The contract's `{"errors": [{"message", "field"}]}` list (may be empty)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("errors"), list):
            return [e for e in self.body["errors"] if isinstance(e, dict)]
        return []

    def field_errors(self) -> dict[str, str]:
        """Errors by field; errors without a field are under `form`."""
        out: dict[str, str] = {}
        for err in self.errors():
            key = err.get("field") or "form"
            out.setdefault(str(key), str(err.get("message") or "Something went wrong"))
        if not out and not self.ok:
            out["form"] = self.message()
        return out

    def message(self) -> str:
        errs = self.errors()
        if errs:
            return "; ".join(str(e.get("message") or "") for e in errs if e.get("message"))
        if self.status >= 500:
            return UNAVAILABLE
        return f"Unexpected response ({self.status})"


_clients: dict[int, httpx.AsyncClient] = {}


def _client() -> httpx.AsyncClient:
    """One pooled client per event loop (granian runs one loop per worker)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(id(loop))
    if client is None or client.is_closed:
        s = get_settings()
        headers = {"accept": "application/json", "user-agent": "stubhub-ui"}
        if s.ui_api_host_header:
            headers["host"] = s.ui_api_host_header
        client = httpx.AsyncClient(
            base_url=s.ui_api_base_url,
            headers=headers,
            timeout=httpx.Timeout(s.ui_api_timeout, connect=s.ui_api_connect_timeout),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            follow_redirects=False,
        )
        _clients[id(loop)] = client
    return client


async def close_clients() -> None:
    for client in list(_clients.values()):
        await client.aclose()
    _clients.clear()


def session_cookie_header(raw_cookie: str) -> str:
    """Only the `session` cookie is forwarded, never the page's other cookies."""
    for part in (raw_cookie or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME and value:
            return f"{COOKIE_NAME}={value}"
    return ""


async def call(
    method: str,
    path: str,
    *,
    cookie: str = "",
    json: Any = None,
    params: dict[str, Any] | None = None,
) -> ApiResponse:
    headers = {}
    session = session_cookie_header(cookie)
    if session:
        headers["cookie"] = session
    try:
        resp = await _client().request(method, path, json=json, params=params, headers=headers)
    except httpx.HTTPError as exc:
        log.warning("api call failed: %s %s: %r", method, path, exc)
        return ApiResponse(status=503)
    try:
        body = resp.json() if resp.content else None
    except ValueError:
        body = None
    if resp.status_code >= 500:
        log.warning("api call %s %s -> %s", method, path, resp.status_code)
        if not isinstance(body, dict) or "errors" not in body:
            body = None
        return ApiResponse(status=resp.status_code, body=body)
    return ApiResponse(status=resp.status_code, body=body, headers=dict(resp.headers))
