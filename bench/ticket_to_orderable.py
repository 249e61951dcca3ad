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
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx

from backend_services.orders.main import create as create_orders
from backend_services.orders.settings import OrdersSettings
from backend_services.tickets.main import create as create_tickets
from backend_services.tickets.settings import TicketsSettings
from bench.databases import connect_when_up
from bench.service_process import service_process
from harness import servers
from harness.apps import make_settings, serve
from harness.people import Person
from harness.servers import sibling_database

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
        connect_when_up(f"postgresql://postgres@127.0.0.1:{server.port}/postgres").close()
        yield sibling_database(base, "tickets"), sibling_database(base, "orders")


@contextlib.asynccontextmanager
async def marketplace(kind: str, tmp: Path, processes: bool) -> AsyncIterator[tuple[Any, Any]]:
    with (
        servers.running(servers.nats_server(tmp)) as nats,
        servers.running(servers.redis_server(tmp)) as redis,  # session revocations
        databases(kind, tmp) as (t_db, o_db),
    ):
        urls = {"nats_url": nats.url("nats"), "redis_url": redis.url("redis", path="/0")}
        if processes:
            with (
                service("tickets", t_db, urls, tmp) as t_url,
                service("orders", o_db, urls, tmp) as o_url,
            ):
                async with (
                    httpx.AsyncClient(base_url=t_url) as t,
                    httpx.AsyncClient(base_url=o_url) as o,
                ):
                    yield t, o
            return
        common = {**urls, "outbox_poll_seconds": 1.0}
        tickets = create_tickets(make_settings(TicketsSettings, database_url=t_db, **common))
        orders = create_orders(make_settings(OrdersSettings, database_url=o_db, **common))
        async with serve(tickets) as t_client, serve(orders) as o_client:
            yield t_client, o_client


@contextlib.contextmanager
def service(name: str, database_url: str, urls: dict[str, str], tmp: Path) -> Iterator[str]:
    env = {"DATABASE_URL": database_url, **{key.upper(): url for key, url in urls.items()}}
    with service_process(name, tmp, env) as (_, base):
        yield base


async def measure(count: int, kind: str, processes: bool) -> list[float]:
    seller = Person("seller")
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
                buyer = Person(f"buyer-{i}")  # one hold each: fair use caps a buyer at 4
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
