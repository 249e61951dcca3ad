"""ASGI middleware for the Reflex server (installed with `rx.App(api_transformer=...)`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

RESERVED = ("/_event", "/_upload", "/ping", "/_health", "/_all_routes", "/assets/", "/api/")


@lru_cache
def _static_dir() -> Path:
    from reflex.utils import prerequisites
    from reflex_base import constants

    return (prerequisites.get_web_dir() / constants.Dirs.STATIC).resolve()


def serve_pages_without_redirect(app: Any) -> Any:
    """Serve `/auth/signin` from the prerendered `auth/signin.html` directly.

    Reflex's static mount (Starlette `StaticFiles(html=True)`) otherwise answers a
    page path that is also a directory with a 307 to the path with a trailing
    slash, built from the Host header: behind an ingress that costs a round trip
    and can point at the wrong scheme or port.
    """

    async def middleware(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
            path: str = scope.get("path") or "/"
            last = path.rsplit("/", 1)[-1]
            if (
                path != "/"
                and not path.endswith("/")
                and "." not in last
                and not path.startswith(RESERVED)
            ):
                candidate = _static_dir() / (path.lstrip("/") + ".html")
                try:
                    inside = candidate.resolve().is_relative_to(_static_dir())
                except (OSError, ValueError):
                    inside = False
                if inside and candidate.is_file():
                    scope = dict(scope)
                    scope["path"] = path + ".html"
                    scope["raw_path"] = (path + ".html").encode()
        await app(scope, receive, send)

    return middleware
