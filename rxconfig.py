"""Reflex configuration for the StubHub UI (`stubhub_ui`).

Every field can be overridden from the environment as ``REFLEX_<FIELD>``
(for example ``REFLEX_API_URL``, ``REFLEX_REDIS_URL``). The UI-specific
settings (service base URL, NATS, Stripe) live in ``stubhub_ui/settings.py``.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import reflex as rx

from stubhub_ui.settings import get_settings

# The origin the *browser* uses for the `/_event` websocket: the public site,
# i.e. the ingress (locally nginx on :8080; on Kubernetes https://ticketing.dev).
# It is baked into the frontend build when `reflex run --env prod` starts.
PUBLIC_URL = os.environ.get("REFLEX_API_URL") or os.environ.get(
    "UI_PUBLIC_URL", f"http://localhost:{os.environ.get('HTTP_PORT', '8080')}"
)


def _origins(url: str) -> list[str]:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    origins = [origin]
    # The same local ingress is reachable as localhost and 127.0.0.1.
    for a, b in (("localhost", "127.0.0.1"), ("127.0.0.1", "localhost")):
        if parts.hostname == a:
            origins.append(origin.replace(a, b, 1))
    return origins


config = rx.Config(
    app_name="stubhub_ui",
    api_url=PUBLIC_URL,
    deploy_url=PUBLIC_URL,
    # socket.io and CORS accept only the public origin (override with
    # REFLEX_CORS_ALLOWED_ORIGINS, comma separated).
    cors_allowed_origins=_origins(PUBLIC_URL),
    # Only with several UI workers (UI_REDIS_URL set); credentials from SECRETS_DIR,
    # so they are never on a command line (REFLEX_REDIS_URL would be).
    redis_url=get_settings().reflex_redis_url(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="light",
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="iris", gray_color="slate", radius="medium", scaling="100%")
        )
    ],
)
