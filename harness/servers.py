"""Real servers for tests: nats-server, redis-server, PostgreSQL, localstripe.

Each runs as a child process on a free loopback port with its data in a temp
dir; `wait_for_port` is the readiness check (no fixed sleeps).

nats-server and redis-server run with the product's own access rules
(infra/access.py: a user per service, anonymous clients refused), plus one
`harness` user with every permission for the tests' own tooling (publishing
forged events, reading streams, flushing Redis). In-process service suites
connect as that user (its credentials are in the URL they are given); the
system stack (scripts/stack.py) runs each service as its own identity.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from infra import access
from infra.local_secrets import write_private

REPO = Path(__file__).resolve().parents[1]
HARNESS_USER = "harness"  # every permission; test tooling only, never in a product config
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


@dataclass
class Server:
    """A server process that can be killed and started again on the same port and data."""

    name: str
    argv: list[str]
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    cleanup: Path | None = None  # a directory to remove once stopped
    proc: subprocess.Popen[bytes] | None = None
    passwords: dict[str, str] = field(default_factory=dict)  # user -> password

    def url(self, scheme: str, user: str = HARNESS_USER, path: str = "") -> str:
        """`scheme://user:password@127.0.0.1:port/path` for one of this server's users."""
        return f"{scheme}://{user}:{self.passwords[user]}@127.0.0.1:{self.port}{path}"

    def start(self) -> Server:
        argv = ["runuser", "-u", self.user, "--", *self.argv] if self.user else self.argv
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        wait_for_port(self.port, self.proc)
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)
        self.proc = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        self.kill(signal.SIGTERM)
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)


def _passwords(users: list[str]) -> dict[str, str]:
    return {user: access.new_password() for user in [*users, HARNESS_USER]}


def nats_server(tmp: Path) -> Server:
    """JetStream with the product's bus users and permissions, plus `harness`."""
    port = free_port()
    binary = shutil.which("nats-server", path=str(VENV_BIN)) or "nats-server"
    passwords = _passwords([u.name for u in access.bus_users()])
    config = access.render_nats_config(
        port, tmp / "nats", passwords, extra=[(HARNESS_USER, passwords[HARNESS_USER])]
    )
    argv = [binary, "-c", str(write_private(tmp / "nats.conf", config))]
    return Server("nats", argv, port, tmp / "nats.log", passwords=passwords)


def redis_server(tmp: Path) -> Server:
    """Redis (AOF) with the product's ACL users, plus `harness`; `default` is off."""
    port = free_port()
    passwords = _passwords(list(access.redis_users()))
    config = access.render_redis_config(
        port, tmp, passwords, extra=[(HARNESS_USER, passwords[HARNESS_USER])]
    )
    argv = ["redis-server", str(write_private(tmp / "redis.conf", config))]
    return Server("redis", argv, port, tmp / "redis.log", passwords=passwords)


def postgres_bin() -> Path | None:
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((r for r in roots if (r / "initdb").exists()), None)


def postgres_server() -> Server | None:
    """A throwaway cluster, run as the `postgres` user when we are root."""
    bindir = postgres_bin()
    if bindir is None:
        return None
    # Not under pytest's tmp dir: that is private to root and postgres may not enter it.
    tmp = Path(tempfile.mkdtemp(prefix="stubhub-pg-"))
    data = tmp / "pgdata"
    user = "postgres" if os.geteuid() == 0 else None
    data.mkdir(parents=True)
    if user:
        shutil.chown(tmp, user)
        shutil.chown(data, user)
    init = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
    subprocess.run(
        ["runuser", "-u", user, "--", *init] if user else init, check=True, capture_output=True
    )
    port = free_port()
    argv = [
        str(bindir / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(tmp),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "max_connections=300",
    ]
    return Server("postgres", argv, port, tmp / "postgres.log", user=user, cleanup=tmp)


def localstripe_server(tmp: Path) -> Server:
    port = free_port()
    binary = REPO / ".venv-stripe" / "bin" / "localstripe"
    # localstripe pickles its whole state to a fixed /tmp/localstripe.pickle on every
    # write and loads it on start: --from-scratch keeps other instances' (possibly
    # half-written) state out of this one.
    argv = [str(binary), "--port", str(port), "--from-scratch"]
    return Server("localstripe", argv, port, tmp / "localstripe.log")


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def sibling_database(database_url: str, name: str) -> str:
    """Another empty database next to `database_url` (a second service's own)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        return str(url.set(database=url.database.replace(".db", f"-{name}.db")))
    db = f"{url.database}_{name}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    return url.set(database=db).render_as_string(hide_password=False)
