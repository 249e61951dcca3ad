"""`--postgres`: every service's database on one throwaway PostgreSQL cluster."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import psycopg

from contracts import topology
from harness import servers


@contextlib.contextmanager
def postgres() -> Iterator[dict[str, str]]:
    """Start PostgreSQL (fsync off, as in the tests) and yield `<SERVICE>_DATABASE_URL`s."""
    server = servers.postgres_server()
    if server is None:
        raise RuntimeError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
    with servers.running(server):
        base = f"postgresql://postgres@127.0.0.1:{server.port}"
        env = {}
        with connect_when_up(f"{base}/postgres") as conn:
            for service in topology.SERVICES:
                if service.database:
                    conn.execute(f'CREATE DATABASE "{service.name}"')
                    env[f"{service.env_prefix}_DATABASE_URL"] = (
                        f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/{service.name}"
                    )
        yield env


def connect_when_up(url: str, timeout: float = 30) -> psycopg.Connection[Any]:
    """The port opens before the server accepts sessions ("the database system is
    starting up"): poll until it does, with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
