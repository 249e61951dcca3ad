"""The ingress route table, and the two configs rendered from it.

One table drives both entry points, so they cannot drift:

* the local nginx that `make run` starts (`python infra/routes.py nginx ...`), and
* the Kubernetes Ingress for ingress-nginx
  (`python infra/routes.py ingress > infra/k8s/base/ingress.yaml`, committed).

Paths are regexes with ingress-nginx semantics (`use-regex: "true"`): each becomes
`location ~* "^<path>"`, longest path first, so the local nginx matches exactly
like the controller does. The backends receive the full path (no rewrite): every
service mounts its routers under its own prefix.

Usage (from the repository root):

    python infra/routes.py nginx --listen 8080 --prefix-dir var/nginx \\
        --upstream auth=127.0.0.1:4001 --upstream tickets=127.0.0.1:4002 \\
        --upstream orders=127.0.0.1:4003 --upstream payments=127.0.0.1:4004 \\
        --upstream ui=127.0.0.1:3000 [--upstream auth=127.0.0.1:4011 ...]
    nginx -p var/nginx -c nginx.conf -e stderr

    python infra/routes.py ingress > infra/k8s/base/ingress.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from contracts.rules import TICKET_FILE_MAX_BYTES
from contracts.topology import K8S_HTTP_PORT, SERVICES, UI_NAME, UI_PORT, ServiceInfo

HOST = "ticketing.dev"
INGRESS_CLASS = "nginx"
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
UNAVAILABLE_BODY = (
    '{"errors":[{"message":"The service is temporarily unavailable, please try again",'
    '"field":null}]}'
)  # the UI's socket.io connection stays open for hours


NAMESPACE = "ticketing"
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


def _local_origins(listen: str) -> list[str]:
    port = listen.rsplit(":", 1)[-1]
    return [f"{scheme}://{host}:{port}" for scheme in ("http", "ws") for host in LOCAL_HOSTS]


LOCAL_HOSTS = ("localhost", "127.0.0.1")  # the same local ingress, by either name


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


# --------------------------------------------------------------------------- nginx


def render_nginx(
    upstreams: dict[str, list[str]],
    listen: str,
    prefix_dir: Path,
    log_dir: Path | None = None,
    routes: Sequence[Route] = ROUTES,
) -> str:
    """A complete nginx.conf for `nginx -p <prefix_dir> -c nginx.conf`, runnable without root."""
    missing = [s for s in services(routes) if not upstreams.get(s)]
    unknown = sorted(set(upstreams) - set(services(routes)))
    if missing or unknown:
        raise ValueError(f"upstreams: missing {missing}, unknown {unknown}")
    prefix = prefix_dir.resolve()
    logs = (log_dir or prefix_dir).resolve()

    upstream_blocks = "\n".join(
        f"    upstream {name} {{\n"
        + "".join(
            f"        server {addr} max_fails=1 fail_timeout=2s;\n" for addr in upstreams[name]
        )
        + "        keepalive 16;\n    }\n"
        for name in services(routes)
    )
    location_blocks = "\n".join(_nginx_location(r) for r in ordered(routes))
    header_lines = "".join(
        f"        add_header {name} {json.dumps(value)} always;\n"
        for name, value in security_headers(_local_origins(listen)).items()
    )
    return f"""\
# Generated by infra/routes.py from its route table; do not edit.
# Run: nginx -p {prefix} -c nginx.conf -e stderr
daemon off;
worker_processes 1;
# Every open tab holds a websocket: two connections here (browser side, UI side).
worker_rlimit_nofile 16384;
pid {prefix}/nginx.pid;
error_log {logs}/nginx-error.log warn;

events {{
    worker_connections 8192;
}}

http {{
    access_log {logs}/nginx-access.log;
    client_body_temp_path {prefix}/tmp/client_body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;

    server_tokens off;
    client_max_body_size {BODY_SIZE};
    # Request bodies (up to the limit) and proxied responses stay in memory: a body
    # over the 8k default was spooled to client_body_temp_path, and a 500 whenever
    # that directory had gone (a cleaned var/ or tmp dir) or the disk was full.
    client_body_buffer_size {BODY_SIZE};
    proxy_max_temp_file_size 0;
    proxy_http_version 1.1;
    proxy_connect_timeout 5s;
    proxy_read_timeout 60s;
    proxy_send_timeout 60s;

    # As ingress-nginx: keep the caller's X-Request-Id, or mint one.
    map $http_x_request_id $req_id {{
        default $http_x_request_id;
        "" $request_id;
    }}
    # Websocket upgrade for the UI's /_event; plain requests keep upstream keepalive.
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" "";
    }}

{upstream_blocks}
    server {{
        listen {listen};
        server_name _;
        # No location adds headers of its own, so each inherits these.
{header_lines}
{location_blocks}
        # An API service that cannot be reached still answers in the contract's shape.
        location @api_unavailable {{
            default_type application/json;
            return 503 '{UNAVAILABLE_BODY}';
        }}
    }}
}}
"""


def _nginx_location(route: Route) -> str:
    lines = [
        f'        location ~* "^{route.path}" {{',
        f"            proxy_pass http://{route.service};",
        "            proxy_set_header Host $http_host;  # keeps the port in redirects",
        "            proxy_set_header X-Request-Id $req_id;",
        "            proxy_set_header X-Real-IP $remote_addr;",
        "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "            proxy_set_header X-Forwarded-Proto $scheme;",
        "            proxy_set_header X-Forwarded-Host $http_host;",
        "            proxy_set_header Upgrade $http_upgrade;",
        "            proxy_set_header Connection $connection_upgrade;",
    ]
    if route.service != "ui":  # nginx's own errors for the APIs: JSON, not an HTML page
        lines.append("            error_page 502 503 504 = @api_unavailable;")
    if route.body_size != BODY_SIZE:  # uploads: streamed on to the service, not spooled
        lines.append(f"            client_max_body_size {route.body_size};")
        lines.append("            proxy_request_buffering off;")
    if route.websocket:
        lines += [
            f"            proxy_read_timeout {WEBSOCKET_TIMEOUT_SECONDS}s;",
            f"            proxy_send_timeout {WEBSOCKET_TIMEOUT_SECONDS}s;",
        ]
    return "\n".join([*lines, "        }"]) + "\n"


# ------------------------------------------------------------------------- ingress


def ingress_objects(routes: Sequence[Route] = ROUTES) -> list[dict[str, object]]:
    """One Ingress per `Route.ingress`, all on one host; /_event gets websocket timeouts."""
    objects = []
    for name in dict.fromkeys(r.ingress for r in routes):
        members = [r for r in routes if r.ingress == name]
        extra = {}
        if any(r.websocket for r in members):
            extra = {
                "nginx.ingress.kubernetes.io/proxy-read-timeout": str(WEBSOCKET_TIMEOUT_SECONDS),
                "nginx.ingress.kubernetes.io/proxy-send-timeout": str(WEBSOCKET_TIMEOUT_SECONDS),
            }
        rates = {r.rate_per_minute for r in members}
        if len(rates) != 1:
            raise ValueError(f"routes of Ingress {name} differ in rate limit: split them")
        if (rate := rates.pop()) is not None:
            extra["nginx.ingress.kubernetes.io/limit-rpm"] = str(rate)
        objects.append(_ingress(name, members, extra))
    return objects


def _ingress(name: str, routes: Sequence[Route], extra: dict[str, str]) -> dict[str, object]:
    if len({r.body_size for r in routes}) != 1:
        raise ValueError(f"routes of Ingress {name} differ in body size: split them")
    annotations = {
        "nginx.ingress.kubernetes.io/use-regex": "true",
        "nginx.ingress.kubernetes.io/proxy-body-size": routes[0].body_size,
        **({} if routes[0].body_size == BODY_SIZE else STREAMED_UPLOADS),
        # The security headers (a ConfigMap below); the controller must allow their
        # names in `global-allowed-response-headers` (docs/security.md).
        "nginx.ingress.kubernetes.io/custom-headers": f"{NAMESPACE}/{SECURITY_HEADERS_CONFIGMAP}",
        **extra,
    }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {
            "ingressClassName": INGRESS_CLASS,
            "rules": [
                {
                    "host": HOST,
                    "http": {
                        "paths": [
                            {
                                "path": r.path,
                                "pathType": "ImplementationSpecific",
                                "backend": {
                                    "service": {"name": r.service, "port": {"number": r.port}}
                                },
                            }
                            for r in ordered(routes)
                        ]
                    },
                }
            ],
        },
    }


def render_ingress(routes: Sequence[Route] = ROUTES) -> str:
    import yaml  # only this renderer needs PyYAML

    header = (
        "# Generated by `python infra/routes.py ingress > infra/k8s/base/ingress.yaml`"
        " from infra/routes.py; do not edit.\n"
    )
    return header + yaml.safe_dump_all(ingress_objects(routes), sort_keys=False)


def render_headers_configmap() -> str:
    """The ConfigMap the Ingresses' `custom-headers` annotation names."""
    import yaml

    header = (
        "# Generated by `python infra/routes.py headers > infra/k8s/base/security-headers.yaml`"
        " from infra/routes.py; do not edit.\n"
    )
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": SECURITY_HEADERS_CONFIGMAP},
        "data": security_headers(),
    }
    return header + yaml.safe_dump(configmap, sort_keys=False)


# ----------------------------------------------------------------------------- CLI


def _parse_upstreams(values: Sequence[str]) -> dict[str, list[str]]:
    upstreams: dict[str, list[str]] = {}
    for value in values:
        name, sep, addr = value.partition("=")
        if not sep or not name or ":" not in addr:
            raise argparse.ArgumentTypeError(f"--upstream {value!r}: expected NAME=HOST:PORT")
        upstreams.setdefault(name, []).append(addr)
    return upstreams


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    ng = sub.add_parser("nginx", help="render the local nginx.conf")
    ng.add_argument(
        "--listen", default="8080", help="nginx `listen` value, e.g. 8080 or 127.0.0.1:8080"
    )
    ng.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="NAME=HOST:PORT",
        help="a backend of a route's service; repeat a name for replicas",
    )
    ng.add_argument("--prefix-dir", type=Path, default=Path("var/nginx"), help="nginx -p directory")
    ng.add_argument(
        "--log-dir", type=Path, default=None, help="access/error logs (default: prefix dir)"
    )
    ng.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")

    sub.add_parser("ingress", help="print the Kubernetes Ingress YAML")
    sub.add_parser("headers", help="print the security headers ConfigMap YAML")
    sub.add_parser("table", help="print the route table")

    args = parser.parse_args(argv)
    if args.command == "ingress":
        sys.stdout.write(render_ingress())
    elif args.command == "headers":
        sys.stdout.write(render_headers_configmap())
    elif args.command == "table":
        for r in ordered():
            print(f"{r.path:28} {r.service}:{r.port}{'  (websocket)' if r.websocket else ''}")
    else:
        try:
            conf = render_nginx(
                _parse_upstreams(args.upstream), args.listen, args.prefix_dir, args.log_dir
            )
        except (ValueError, argparse.ArgumentTypeError) as exc:
            parser.error(str(exc))
        for d in (args.prefix_dir / "tmp", args.log_dir or args.prefix_dir):
            d.mkdir(parents=True, exist_ok=True)
        if args.out is None:
            sys.stdout.write(conf)
        else:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(conf)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
