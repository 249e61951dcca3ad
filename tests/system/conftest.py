"""A whole `make run`-style stack (nginx ingress, every service, the UI) for the suite.

It is the real launcher (`scripts/stack.py`) on free ports with its own `var/`,
and a short hold window so expiry journeys finish quickly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.support.servers import REPO, free_port

EXPIRATION_WINDOW_SECONDS = 15
PORT_NAMES = [
    "auth",
    "tickets",
    "orders",
    "payments",
    "expiration",
    "ui",
    "nats",
    "nats_monitor",
    "redis",
    "stripe",
]


@dataclass
class Stack:
    url: str
    expiration_window: int
    var: Path
    ports: dict[str, int]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def user(self, prefix: str = "fan") -> httpx.Client:
        """A client signed up as a fresh user (its cookie jar holds the session)."""
        client = self.client()
        self.clients.append(client)
        email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
        response = client.post(
            "/api/users/signup", json={"email": email, "password": "password123"}
        )
        assert response.status_code == 201, response.text
        client.headers["X-Test-User"] = email
        return client


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var = tmp_path_factory.mktemp("stack")
    ports = {name: free_port() for name in PORT_NAMES}
    http_port = free_port()
    env = {
        **os.environ,
        **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()},
        "HTTP_PORT": str(http_port),
        "VAR_DIR": str(var),
        "EXPIRATION_WINDOW_SECONDS": str(EXPIRATION_WINDOW_SECONDS),
        "LOG_LEVEL": "INFO",
    }
    env.pop("STRIPE_SECRET_KEY", None)
    with (var / "launcher.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "scripts/stack.py")],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{http_port}"
    stack_clients: list[httpx.Client] = []
    checks = [f"{url}/api/{p}/readyz" for p in ("users", "tickets", "orders", "payments")]
    checks += [f"http://127.0.0.1:{ports['expiration']}/readyz", f"{url}/ping"]
    deadline = time.monotonic() + 600  # the first Reflex build is slow
    try:
        while not all(_ready(check) for check in checks):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (var / "launcher.log").read_text(errors="replace")[-4000:]
                pytest.fail(f"stack did not come up:\n{tail}")
            time.sleep(0.5)
        stack = Stack(url=url, expiration_window=EXPIRATION_WINDOW_SECONDS, var=var, ports=ports)
        stack_clients = stack.clients
        yield stack
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        for client in stack_clients:
            client.close()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


T = TypeVar("T")


def eventually(
    probe: Callable[[], T],
    check: Callable[[T], bool] = bool,
    timeout: float = 10.0,
    interval: float = 0.05,
) -> T:
    """Poll a synchronous probe until `check` holds (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        time.sleep(interval)
