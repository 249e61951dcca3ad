"""One route table: the committed Ingress and the local nginx are both rendered from it."""

from __future__ import annotations

import http.client
import http.server
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.servers import free_port, wait_for_port
from tests.infra import support

sys.path.insert(0, str(support.INFRA))
import routes

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LOCATION = re.compile(r'location ~\* "\^(?P<path>[^"]+)" \{\s*proxy_pass http://(?P<svc>\w+);')


def render_nginx(tmp_path: Path, upstreams: dict[str, list[str]], listen: str = "8080") -> Path:
    conf = tmp_path / "nginx.conf"
    argv = [sys.executable, str(support.INFRA / "routes.py"), "nginx", "--listen", listen]
    for name, addrs in upstreams.items():
        argv += [arg for addr in addrs for arg in ("--upstream", f"{name}={addr}")]
    argv += ["--prefix-dir", str(tmp_path), "--out", str(conf)]
    subprocess.run(argv, check=True, capture_output=True, text=True)
    return conf


def every_upstream(addr: str = "127.0.0.1:9") -> dict[str, list[str]]:
    return {name: [addr] for name in routes.services()}


def table() -> set[tuple[str, str, int]]:
    return {(r.path, r.service, r.port) for r in routes.ROUTES}


def test_committed_ingress_is_the_rendered_route_table() -> None:
    committed = (support.INFRA / "k8s/base/ingress.yaml").read_text()
    assert committed == routes.render_ingress(), (
        "regenerate: python infra/routes.py ingress > infra/k8s/base/ingress.yaml"
    )


def test_ingress_paths_and_nginx_locations_equal_the_route_table(tmp_path: Path) -> None:
    docs = yaml.safe_load_all((support.INFRA / "k8s/base/ingress.yaml").read_text())
    ingress = {
        (p["path"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
        for d in docs
        for rule in d["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    conf = render_nginx(tmp_path, every_upstream()).read_text()
    nginx = [(m["path"], m["svc"]) for m in LOCATION.finditer(conf)]

    assert ingress == table()
    assert sorted(nginx) == sorted((path, svc) for path, svc, _ in table())
    # nginx evaluates regex locations in file order: longest first, like ingress-nginx.
    assert [p for p, _ in nginx] == sorted((p for p, _ in nginx), key=len, reverse=True)


def test_contract_prefixes_route_to_their_service() -> None:
    expected = {
        "/api/users/signin": "auth",
        "/api/tickets": "tickets",
        "/api/listings": "tickets",
        "/api/orders/abc": "orders",
        "/api/payments/": "payments",
        "/_event/?EIO=4&transport=websocket": "ui",
        "/tickets/abc": "ui",
        "/api/usersettings": "ui",
    }
    for url, service in expected.items():
        first = next(r for r in routes.ordered() if re.match(r.path, url, re.IGNORECASE))
        assert first.service == service, url


@pytest.mark.parametrize("overlay", support.OVERLAYS)
def test_ingresses_use_regex_paths_with_implementation_specific(overlay: str) -> None:
    ingresses = support.of_kind(support.render(overlay), "Ingress")
    assert ingresses
    for name, ing in ingresses.items():
        annotations = ing["metadata"]["annotations"]
        assert ing["spec"]["ingressClassName"] == "nginx", name
        assert annotations["nginx.ingress.kubernetes.io/use-regex"] == "true", name
        for rule in ing["spec"]["rules"]:
            assert rule["host"] == "ticketing.dev"
            for path in rule["http"]["paths"]:
                if re.search(r"[^A-Za-z0-9/_-]", path["path"]):
                    assert path["pathType"] == "ImplementationSpecific", path


def test_websocket_route_keeps_connections_for_an_hour(tmp_path: Path) -> None:
    ing = support.of_kind(support.render("prod"), "Ingress")["ticketing-websocket"]
    annotations = ing["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    assert annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] == "3600"
    assert [p["path"] for p in ing["spec"]["rules"][0]["http"]["paths"]] == ["/_event(/|$)(.*)"]

    conf = render_nginx(tmp_path, every_upstream()).read_text()
    event = conf[conf.index('location ~* "^/_event') :]
    event = event[: event.index("}")]
    assert "proxy_read_timeout 3600s;" in event
    assert "proxy_set_header Upgrade $http_upgrade;" in event


def test_only_sign_in_and_sign_up_are_rate_limited_at_the_kubernetes_ingress() -> None:
    ingresses = support.of_kind(support.render("prod"), "Ingress")
    limited = {
        name: ing
        for name, ing in ingresses.items()
        if "nginx.ingress.kubernetes.io/limit-rpm" in ing["metadata"]["annotations"]
    }
    assert list(limited) == ["ticketing-sign"]
    assert limited["ticketing-sign"]["metadata"]["annotations"][
        "nginx.ingress.kubernetes.io/limit-rpm"
    ] == str(routes.SIGN_RATE_PER_MINUTE)
    for url, throttled in {
        "/api/users/signin": True,
        "/api/users/signup": True,
        "/api/users/SignUp/": True,
        "/api/users/signout": False,
        "/api/users/signout/everywhere": False,
        "/api/users/currentuser": False,
        "/api/users/signinx": False,
    }.items():
        first = next(r for r in routes.ordered() if re.match(r.path, url, re.IGNORECASE))
        assert first.service == "auth", url
        assert (first.rate_per_minute is not None) == throttled, url


def test_nginx_config_is_valid_for_real_nginx(tmp_path: Path) -> None:
    upstreams = every_upstream()
    upstreams["auth"] = ["127.0.0.1:4001", "127.0.0.1:4011"]  # a replica
    conf = render_nginx(tmp_path, upstreams)
    assert "daemon off;" in conf.read_text()
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", "nginx.conf", "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_cli_refuses_a_missing_or_unknown_upstream(tmp_path: Path) -> None:
    argv = [
        sys.executable,
        str(support.INFRA / "routes.py"),
        "nginx",
        "--prefix-dir",
        str(tmp_path),
    ]
    missing = subprocess.run(
        [*argv, "--upstream", "auth=127.0.0.1:1"], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "missing" in missing.stderr
    ups = [a for n in routes.services() for a in ("--upstream", f"{n}=127.0.0.1:1")]
    unknown = subprocess.run(
        [*argv, *ups, "--upstream", "billing=127.0.0.1:1"], capture_output=True
    )
    assert unknown.returncode == 2


# ------------------------------------------------------ the rendered nginx, running


class _Echo(http.server.BaseHTTPRequestHandler):
    """Replies with the upstream's name, the path and the headers it received."""

    name = "?"

    def _reply(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        received = len(self.rfile.read(length))
        body = json.dumps(
            {
                "upstream": self.name,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "received": received,
            }
        ).encode()
        if self.path.startswith("/assets/big"):
            body = b"x" * 3_000_000  # more than nginx's proxy buffers hold
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _reply

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ingress(tmp_path: Path) -> Iterator[int]:
    """The rendered nginx in front of echo servers (auth with two replicas)."""
    servers: list[http.server.ThreadingHTTPServer] = []
    upstreams: dict[str, list[str]] = {}
    for name in [*routes.services(), "auth"]:
        handler = type(f"Echo_{name}_{len(servers)}", (_Echo,), {"name": f"{name}#{len(servers)}"})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        upstreams.setdefault(name, []).append(f"127.0.0.1:{server.server_address[1]}")
    port = free_port()
    render_nginx(tmp_path, upstreams, listen=f"127.0.0.1:{port}")
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", "nginx.conf", "-e", "stderr"],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "nginx.stderr").open("wb"),
    )
    try:
        wait_for_port(port, proc, timeout=10)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        for server in servers:
            server.shutdown()


def call(port: int, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request(method, path, headers={"Host": "ticketing.dev", **headers})
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response.status, json.loads(raw) if response.status == 200 else {}


def test_running_nginx_routes_by_the_table_and_passes_headers(ingress: int) -> None:
    expected = {
        "/api/users/currentuser": "auth",
        "/API/Users/currentuser": "auth",  # ingress-nginx regex locations are case-insensitive
        "/api/tickets?q=x": "tickets",
        "/api/orders/1": "orders",
        "/api/payments": "payments",
        "/api/usersettings": "ui",
        "/": "ui",
        "/tickets/42": "ui",
    }
    for path, service in expected.items():
        status, body = call(ingress, path)
        assert status == 200 and str(body["upstream"]).split("#")[0] == service, path
        assert body["path"] == path  # no rewrite: services mount their own prefix

    _, body = call(ingress, "/api/users/currentuser", **{"X-Request-Id": "req-1"})
    headers = {k.lower(): v for k, v in dict(body["headers"]).items()}
    assert headers["host"] == "ticketing.dev"
    assert headers["x-request-id"] == "req-1"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    _, body = call(ingress, "/api/users/currentuser")
    minted = {k.lower(): v for k, v in dict(body["headers"]).items()}
    assert re.fullmatch(r"[0-9a-f]{32}", minted["x-request-id"])

    _, body = call(ingress, "/_event/?EIO=4", Upgrade="websocket", Connection="Upgrade")
    ws = {k.lower(): v for k, v in dict(body["headers"]).items()}
    assert ws["upgrade"] == "websocket" and ws["connection"].lower() == "upgrade"


def test_running_nginx_balances_replicas_and_limits_bodies(ingress: int) -> None:
    seen = {str(call(ingress, "/api/users/currentuser")[1]["upstream"]) for _ in range(6)}
    assert len(seen) == 2  # both auth replicas take requests

    conn = http.client.HTTPConnection("127.0.0.1", ingress, timeout=5)
    conn.request("GET", "/assets/big.js", headers={"Host": "ticketing.dev"})
    big = conn.getresponse()
    assert big.status == 200 and len(big.read()) == 3_000_000
    conn.close()

    def post(path: str, size: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", ingress, timeout=5)
        conn.request("POST", path, body=b"x" * size, headers={"Host": "t"})
        status = conn.getresponse().status
        conn.close()
        return status

    assert post("/api/orders", 2 * 1024 * 1024) == 413  # JSON APIs: 1 MiB
    # The tickets route takes e-ticket files of 2 MiB (the service checks the exact limit).
    assert post("/api/tickets/abc/file", 2 * 1024 * 1024 + 100) == 200
    assert post("/api/tickets/abc/file", 4 * 1024 * 1024) == 413
    assert post("/api/listings", 2 * 1024 * 1024) == 413


def test_an_unreachable_api_service_answers_in_the_contract_shape(tmp_path: Path) -> None:
    closed = f"127.0.0.1:{free_port()}"  # nothing listens there
    port = free_port()
    render_nginx(
        tmp_path, {name: [closed] for name in routes.services()}, listen=f"127.0.0.1:{port}"
    )
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", "nginx.conf", "-e", "stderr"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc, timeout=10)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request(
            "POST", "/api/orders", body=b"{}", headers={"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        body = json.loads(response.read())
        assert response.status == 503
        assert response.getheader("Content-Type") == "application/json"
        assert body == {"errors": [{"message": body["errors"][0]["message"], "field": None}]}
        conn.request("GET", "/")
        assert conn.getresponse().status == 502  # pages keep nginx's own error
    finally:
        proc.terminate()
        proc.wait(10)


def _post_after_continue(port: int, size: int) -> tuple[int, bytes]:
    """POST `size` bytes once nginx has said `100 Continue`: the whole body then comes
    after the headers were read, so nginx itself must hold it (in memory or on disk)."""
    head = (
        "POST /api/tickets HTTP/1.1\r\nHost: ticketing.dev\r\n"
        "Content-Type: application/json\r\nExpect: 100-continue\r\n"
        f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        interim = b""
        while b"\r\n\r\n" not in interim:
            interim += sock.recv(1024)
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        sock.sendall(b"x" * size)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    status_line, _, rest = raw.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def test_bodies_up_to_the_limit_never_touch_nginx_temp_files(ingress: int, tmp_path: Path) -> None:
    # nginx makes its temp dirs at start; if one goes (a cleaned var/ or tmp dir) or the
    # disk is full, a request it spools there is a 500. Bodies up to the 1 MB limit and
    # proxied responses stay in memory, so that can no longer happen.
    shutil.rmtree(tmp_path / "tmp")
    for size in (10 * 1024, 1024 * 1024 - 1):
        status, body = _post_after_continue(ingress, size)
        assert status == 200, (size, body[:300])
        assert json.loads(body)["received"] == size
    conn = http.client.HTTPConnection("127.0.0.1", ingress, timeout=5)
    conn.request("GET", "/assets/big.js", headers={"Host": "ticketing.dev"})
    big = conn.getresponse()
    assert big.status == 200 and len(big.read()) == 3_000_000
    conn.close()
    assert "temporary file" not in (tmp_path / "nginx-error.log").read_text()


def test_security_headers_are_in_the_local_nginx_and_the_ingress(tmp_path: Path) -> None:
    conf = render_nginx(tmp_path, every_upstream(), listen="127.0.0.1:8080").read_text()
    docs = list(yaml.safe_load_all((support.INFRA / "k8s/base/ingress.yaml").read_text()))
    committed = (support.INFRA / "k8s/base/security-headers.yaml").read_text()
    assert committed == routes.render_headers_configmap(), (
        "regenerate: python infra/routes.py headers > infra/k8s/base/security-headers.yaml"
    )
    configmap = yaml.safe_load(committed)
    assert configmap["metadata"]["name"] == routes.SECURITY_HEADERS_CONFIGMAP
    for name, value in routes.security_headers().items():
        assert configmap["data"][name] == value
        assert f"add_header {name} " in conf
    for ingress in (d for d in docs if d["kind"] == "Ingress"):
        annotations = ingress["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/custom-headers"].endswith(
            f"/{routes.SECURITY_HEADERS_CONFIGMAP}"
        )
    csp = routes.security_headers()["Content-Security-Policy"]
    for needed in ("frame-ancestors 'none'", "https://js.stripe.com", "object-src 'none'"):
        assert needed in csp
    assert "listen 127.0.0.1:8080;" in conf
