"""How long from `POST /api/tickets` until orders accepts an order for that ticket.

    .venv/bin/python -m bench.ticket_to_orderable [--tickets 100] [--database sqlite|postgres]
                                                  [--processes]

Runs the tickets and orders services in-process (their real lifespans: outbox
relay, durable consumers), or with `--processes` as two `python -m
backend_services.<service>` processes spoken to over HTTP, against a private
nats-server and private databases (SQLite files, or fresh PostgreSQL databases
when `--database postgres` and the PostgreSQL binaries are installed). For each
ticket it posts the listing, then posts an order every 2 ms until the answer is
no longer 404; the time of the first non-404 answer is the ticket's "orderable"
latency. Prints p50/p90/p99/max.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg

from backend_services.orders.main import create as create_orders
from backend_services.orders.settings import OrdersSettings
from backend_services.tickets.main import create as create_tickets
from backend_services.tickets.settings import TicketsSettings
from harness import servers
from harness.apps import JWT_KEY, make_settings, serve
from harness.people import Person
from harness.servers import sibling_database
from harness.stack import http_ok

POLL_SECONDS = 0.002


@contextlib.contextmanager
def databases(kind: str, tmp: Path) -> Iterator[tuple[str, str]]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'tickets.db'}", f"sqlite:///{tmp / 'orders.db'}"
        return
    server = servers.postgres_server()
    if server is None:
        raise SystemExit("PostgreSQL binaries not found")
    with servers.running(server):
        base = f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/postgres"
        _wait_for_postgres(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
        yield sibling_database(base, "tickets"), sibling_database(base, "orders")


def _wait_for_postgres(dsn: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:  # the port opens before the server accepts sessions
        try:
            psycopg.connect(dsn).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.asynccontextmanager
async def marketplace(kind: str, tmp: Path, processes: bool) -> AsyncIterator[tuple[Any, Any]]:
    with servers.running(servers.nats_server(tmp)) as nats, databases(kind, tmp) as (t_db, o_db):
        url = nats.url("nats")  # the harness user (harness/servers.py)
        if processes:
            with (
                service("tickets", t_db, url, tmp) as t_url,
                service("orders", o_db, url, tmp) as o_url,
            ):
                async with (
                    httpx.AsyncClient(base_url=t_url) as t,
                    httpx.AsyncClient(base_url=o_url) as o,
                ):
                    yield t, o
            return
        common = {"nats_url": url, "outbox_poll_seconds": 1.0}
        tickets = create_tickets(make_settings(TicketsSettings, database_url=t_db, **common))
        orders = create_orders(make_settings(OrdersSettings, database_url=o_db, **common))
        async with serve(tickets) as t_client, serve(orders) as o_client:
            yield t_client, o_client


@contextlib.contextmanager
def service(name: str, database_url: str, nats_url: str, tmp: Path) -> Iterator[str]:
    port = servers.free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "JWT_KEY": JWT_KEY,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
    }
    with (tmp / f"{name}.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"backend_services.{name}"], env=env, stdout=log, stderr=log
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not _ready(f"{base}/api/{name}/readyz"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start; see {tmp / (name + '.log')}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def _ready(url: str) -> bool:
    """Ready and on the bus (/readyz reports the bus but does not gate on it)."""
    return http_ok(url, timeout=1)


async def measure(count: int, kind: str, processes: bool) -> list[float]:
    seller, buyer = Person("seller"), Person("buyer")
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with marketplace(kind, Path(tmp), processes) as (t_client, o_client):
            for i in range(count + 5):  # the first five warm up connections and consumers
                started = time.perf_counter()
                listed = await t_client.post(
                    "/api/tickets",
                    json={"title": f"Seat {i}", "price": 5000},
                    headers=seller.headers,
                )
                ticket_id = listed.json()["id"]
                while True:
                    placed = await o_client.post(
                        "/api/orders", json={"ticketId": ticket_id}, headers=buyer.headers
                    )
                    if placed.status_code != 404:
                        assert placed.status_code == 201, placed.text
                        break
                    await asyncio.sleep(POLL_SECONDS)
                if i >= 5:
                    latencies.append(time.perf_counter() - started)
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", action="store_true", help="run each service as a process")
    args = parser.parse_args()
    latencies = asyncio.run(measure(args.tickets, args.database, args.processes))
    mode = "processes" if args.processes else "in-process"
    ms = [v * 1000 for v in latencies]
    print(
        f"ticket -> orderable over {len(ms)} tickets ({args.database}, {mode}): "
        f"p50 {percentile(ms, 50):.1f} ms, p90 {percentile(ms, 90):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )


if __name__ == "__main__":
    main()
