"""The ingress route table: which path goes to which service, and what every answer
carries (security headers). Rendered for the local nginx (infra/nginx_conf.py) and the
Kubernetes Ingress (infra/routes.py), so the two cannot drift.

Paths are regexes with ingress-nginx semantics (`use-regex: "true"`): each becomes
`location ~* "^<path>"`, longest path first, so the local nginx matches exactly
like the controller does. The backends receive the full path (no rewrite): every
service mounts its routers under its own prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contracts.rules import TICKET_FILE_MAX_BYTES
from contracts.topology import K8S_HTTP_PORT, SERVICES, UI_NAME, UI_PORT, ServiceInfo

BODY_SIZE = "1m"  # JSON APIs
# Prefixes taking uploads: e-ticket files, with headroom so that the service, not
# the ingress, refuses a file just over the limit (with the contract's 400).
UPLOAD_BODY_SIZES = {"/api/tickets": f"{TICKET_FILE_MAX_BYTES // 2**20 + 1}m"}
STREAMED_UPLOADS = {"nginx.ingress.kubernetes.io/proxy-request-buffering": "off"}
WEBSOCKET_TIMEOUT_SECONDS = 3600
# Sign-in and sign-up per client address at the Kubernetes ingress, before auth's own
# throttles (CONTRACT §8) spend a Redis round trip or a password hash on a flood.
# ingress-nginx allows bursts of 5x. Not applied to the local stack's nginx, where
# every test client shares 127.0.0.1.
SIGN_PATHS = "/sign(in|up)"
SIGN_RATE_PER_MINUTE = 30
SECURITY_HEADERS_CONFIGMAP = "security-headers"
STRIPE_JS = "https://js.stripe.com"


def security_headers(extra_connect: Sequence[str] = ()) -> dict[str, str]:
    """Response headers of every page and API answer, at the ingress.

    Reflex's pages carry inline bootstrap scripts and inline styles (hence
    'unsafe-inline'), and its event loop evaluates server-sent scripts (hence
    'unsafe-eval', found by tests/system/ui/test_headers.py). Stripe.js loads from
    js.stripe.com, talks to api.stripe.com and shows its card fields and 3-D
    Secure in frames from Stripe. Nobody may
    frame us (clickjacking). `extra_connect`: origins the browser's socket.io
    connection may use besides our own (the local stack: localhost and 127.0.0.1).
    """
    csp = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'", STRIPE_JS],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https://*.stripe.com"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *extra_connect, "https://api.stripe.com"],
        "frame-src": [STRIPE_JS, "https://hooks.stripe.com"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    }
    return {
        "Content-Security-Policy": "; ".join(f"{k} {' '.join(v)}" for k, v in csp.items()),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP 2
    }


@dataclass(frozen=True)
class Route:
    path: str  # regex, anchored at the start, matched case-insensitively
    service: str  # Kubernetes Service name == local upstream name
    port: int  # Kubernetes Service port
    # The Ingress object holding the route: ingress-nginx applies annotations
    # (timeouts, TLS redirect) per Ingress, so routes that differ are split.
    ingress: str = "ticketing-api"
    websocket: bool = False
    body_size: str = BODY_SIZE
    rate_per_minute: int | None = None  # per client address, Kubernetes ingress only


def _api_route(service: ServiceInfo, prefix: str) -> Route:
    path = f"{prefix}(/|$)(.*)"
    upload = UPLOAD_BODY_SIZES.get(prefix)
    if upload is None:
        return Route(path, service.name, K8S_HTTP_PORT)
    return Route(path, service.name, K8S_HTTP_PORT, ingress="ticketing-uploads", body_size=upload)


def _sign_route(services: Sequence[ServiceInfo]) -> Route:
    auth = next(s for s in services if s.name == "auth")
    path = f"{auth.prefix}{SIGN_PATHS}(/|$)(.*)"
    return Route(
        path, auth.name, K8S_HTTP_PORT, "ticketing-sign", rate_per_minute=SIGN_RATE_PER_MINUTE
    )


def table(services: Sequence[ServiceInfo] = SERVICES) -> tuple[Route, ...]:
    return (
        # One route per prefix of each API of the topology table.
        *(_api_route(s, prefix) for s in services for prefix in s.prefixes),
        _sign_route(services),
        # Reflex's socket.io endpoint: long-lived websocket, so its own timeouts.
        Route("/_event(/|$)(.*)", UI_NAME, UI_PORT, ingress="ticketing-websocket", websocket=True),
        # Pages, assets, /ping, /_health, /_upload: everything else is the UI.
        Route("/(.*)", UI_NAME, UI_PORT, ingress="ticketing-ui"),
    )


ROUTES: tuple[Route, ...] = table()


def ordered(routes: Sequence[Route] = ROUTES) -> list[Route]:
    """The order ingress-nginx gives regex locations (longest path first), which nginx keeps."""
    return sorted(routes, key=lambda r: len(r.path), reverse=True)


def services(routes: Sequence[Route] = ROUTES) -> list[str]:
    return list(dict.fromkeys(r.service for r in routes))
