"""The `make run` stack as someone else on the machine meets it: no secret on a command
line or in the Procfile, secrets readable by their owner only, anonymous NATS and
Redis clients refused, nothing listening beyond loopback, security headers sent."""

from __future__ import annotations

import socket
import stat
import subprocess
from pathlib import Path

import httpx

from tests.system.conftest import Stack


def secret_values(var: Path) -> dict[str, str]:
    files = [
        var / "jwt_key",
        var / "secrets" / "stripe_webhook_secret",
        *(var / "secrets" / "passwords").iterdir(),
    ]
    values = {str(f.relative_to(var)): f.read_text().strip() for f in files}
    assert len(values) >= 6 and all(len(v) >= 32 for v in values.values())
    return values


def test_no_secret_in_the_procfile_or_any_command_line(stack: Stack) -> None:
    secrets = secret_values(stack.var)
    procfile = (stack.var / "Procfile").read_text()
    args = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "SECRETS_DIR=" in procfile  # how the processes find them instead
    for name, value in secrets.items():
        assert value not in procfile, name
        assert value not in args, name
    for banned in ("JWT_KEY=", "NATS_PASSWORD=", "REDIS_PASSWORD=", "REFLEX_REDIS_URL="):
        assert banned not in procfile


def test_no_secret_in_a_stack_process_environment(stack: Stack) -> None:
    secrets = secret_values(stack.var).values()
    checked = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if f"VAR_DIR={stack.var}" not in environ and str(stack.var / "secrets") not in environ:
            continue  # not one of this stack's processes
        checked += 1
        assert not any(value in environ for value in secrets), entry.name
    assert checked >= 6  # the services, the UI and the launcher were looked at


def test_secrets_are_private_files(stack: Stack) -> None:
    for path in [stack.var / "Procfile", stack.var / "jwt_key", stack.var / "nats/nats.conf"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for path in (stack.var / "secrets" / "passwords").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((stack.var / "secrets").stat().st_mode) == 0o700
    # Each process sees only what it needs: the timer worker holds no session key.
    assert not (stack.var / "secrets" / "expiration" / "jwt_key").exists()
    assert (stack.var / "secrets" / "orders" / "jwt_key").exists()


def test_anonymous_nats_is_refused(stack: Stack) -> None:
    # Plain protocol on a socket: the browser suite's sync Playwright owns a running loop
    # in this thread, so an asyncio client cannot run here.
    with socket.create_connection(("127.0.0.1", stack.ports["nats"]), 2) as sock:
        reader = sock.makefile("rb")
        assert b'"auth_required":true' in reader.readline()
        sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
        assert reader.readline().startswith(b"-ERR 'Authorization Violation'")


def test_redis_without_password_is_refused(stack: Stack) -> None:
    with socket.create_connection(("127.0.0.1", stack.ports["redis"]), 2) as sock:
        sock.sendall(b"GET arq:queue\r\n")
        assert sock.recv(64).startswith(b"-NOAUTH")


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (IPv4 and IPv6)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port and len(address) == width:
                found.add(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1


def test_every_process_listens_on_loopback_only(stack: Stack) -> None:
    ports = {name: port for name, port in stack.ports.items() if name != "stripe"}
    ports["ingress"] = int(stack.url.rsplit(":", 1)[1])
    for name, port in ports.items():
        addresses = listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, (name, port, addresses)


def test_security_headers_on_pages_and_apis(stack: Stack) -> None:
    with httpx.Client(base_url=stack.url, timeout=10) as client:
        for path in ("/", "/api/tickets", "/api/users/currentuser"):
            headers = client.get(path).headers
            csp = headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "https://js.stripe.com" in csp, path
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_the_stack_runs_each_service_as_its_own_bus_user(stack: Stack) -> None:
    conf = (stack.var / "nats" / "nats.conf").read_text()
    for service in ("tickets", "orders", "payments", "expiration", "ui", "ops"):
        assert f'"user": "{service}"' in conf
    assert '"user": "auth"' not in conf  # auth is not on the bus at all
    assert "no_auth_user" not in conf
