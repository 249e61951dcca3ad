"""A whole `make run`-style stack (nginx ingress, every service, the UI) for the suite.

It is the real launcher (`scripts/stack.py`) on free ports with its own `var/`,
a short hold window so expiry journeys finish quickly, and `OBSERVE=1`: the
services export traces to the launcher's trace sink (`<var>/traces.jsonl`).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from harness.servers import free_port
from harness.stack import LauncherStack, StackConfig, StackFailed

EXPIRATION_WINDOW_SECONDS = 15
# Debian's Chromium as root on a closed network (Playwright cannot download a browser).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


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
        return client


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    observe = {"OBSERVE": "1", "TRACES_PORT": str(free_port())}
    observe |= {"PROMETHEUS_PORT": str(free_port()), "OTEL_BSP_SCHEDULE_DELAY": "200"}
    cfg = StackConfig.allocate(
        tmp_path_factory.mktemp("stack"),
        expiration_window=EXPIRATION_WINDOW_SECONDS,
        extra_env=observe,
    )
    launcher = LauncherStack(cfg)
    launcher.start()
    try:
        try:
            launcher.wait_ready(timeout=600)  # the first Reflex build is slow
        except StackFailed as exc:
            pytest.fail(f"stack did not come up: {exc}")
        stack = Stack(cfg.url, EXPIRATION_WINDOW_SECONDS, cfg.var, cfg.ports)
        yield stack
        for client in stack.clients:
            client.close()
    finally:
        launcher.stop()


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
