"""`make seed` (scripts/seed.py) against the suite's stack: it fills it through the public
API, and a second run adds nothing. Needs `POST /api/listings` for the seats."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.system.conftest import Stack

REPO = Path(__file__).resolve().parents[3]


def seed_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seed", REPO / "scripts/seed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_seed(stack: Stack, var: Path) -> str:
    env = {**os.environ, "SEED_BASE_URL": stack.url, "VAR_DIR": str(var)}
    env.pop("SEED_PASSWORD", None)
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts/seed.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_seed_fills_the_stack_and_a_second_run_adds_nothing(stack: Stack, tmp_path: Path) -> None:
    seed = seed_module()
    first = run_seed(stack, tmp_path)
    login = json.loads((tmp_path / "seed-login.json").read_text())
    assert f"Sign in as {seed.DEMO_EMAIL} with password {login['password']}" in first

    with stack.client() as client:
        signed_in = client.post("/api/users/signin", json=login)
        assert signed_in.status_code == 200, signed_in.text
        seller = signed_in.json()["id"]
        ids = {}
        for show in seed.SHOWS:
            found = client.get("/api/events", params={"q": show.name, "city": show.city}).json()
            mine = [e for e in found if e["venue"] == show.venue]
            assert len(mine) == 1, (show.name, found)
            ids[show.name] = mine[0]["id"]
            tickets = client.get("/api/tickets", params={"eventId": mine[0]["id"]}).json()
            seats = sorted((t["section"], t["row"], t["seat"]) for t in tickets)
            assert seats == sorted(show.seats), show.name
            assert {t["userId"] for t in tickets} == {seller}

        second = run_seed(stack, tmp_path)
        assert second.count("seats already listed") == len(seed.SHOWS), second
        for show in seed.SHOWS:
            found = client.get("/api/events", params={"q": show.name, "city": show.city}).json()
            assert [e["id"] for e in found if e["venue"] == show.venue] == [ids[show.name]]
            tickets = client.get("/api/tickets", params={"eventId": ids[show.name]}).json()
            assert len(tickets) == len(show.seats)
