"""How long from `POST /api/tickets` until orders accepts an order for that ticket.

    .venv/bin/python -m bench.ticket_to_orderable [--tickets 100] [--database sqlite|postgres]

Runs the tickets and orders services in-process (their real lifespans: outbox
relay, durable consumers) against a private nats-server and private databases
(SQLite files, or fresh PostgreSQL databases when `--database postgres` and the
PostgreSQL binaries are installed). For each ticket it posts the listing, then
posts an order every 2 ms until the answer is no longer 404; the time of the
first non-404 answer is the ticket's "orderable" latency. Prints p50/p90/p99/max.
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

from backend_services.orders.main import create as create_orders
from backend_services.orders.settings import OrdersSettings
from backend_services.tickets.main import create as create_tickets
from backend_services.tickets.settings import TicketsSettings
from tests.orders.support import sibling_database
from tests.support import servers
from tests.support.apps import make_settings, serve
from tests.tickets.people import Person

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
        yield sibling_database(base, "tickets"), sibling_database(base, "orders")


@contextlib.asynccontextmanager
async def marketplace(kind: str, tmp: Path) -> AsyncIterator[tuple[object, object]]:
    with servers.running(servers.nats_server(tmp)) as nats, databases(kind, tmp) as (t_db, o_db):
        url = f"nats://127.0.0.1:{nats.port}"
        common = {"nats_url": url, "outbox_poll_seconds": 1.0}
        tickets = create_tickets(make_settings(TicketsSettings, database_url=t_db, **common))
        orders = create_orders(make_settings(OrdersSettings, database_url=o_db, **common))
        async with serve(tickets) as t_client, serve(orders) as o_client:
            yield t_client, o_client


async def measure(count: int, kind: str) -> list[float]:
    seller, buyer = Person("seller"), Person("buyer")
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with marketplace(kind, Path(tmp)) as (t_client, o_client):
            for i in range(count + 5):  # the first five warm up connections and consumers
                started = time.perf_counter()
                listed = await t_client.post(  # type: ignore[attr-defined]
                    "/api/tickets",
                    json={"title": f"Seat {i}", "price": 5000},
                    headers=seller.headers,
                )
                ticket_id = listed.json()["id"]
                while True:
                    placed = await o_client.post(  # type: ignore[attr-defined]
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
    args = parser.parse_args()
    latencies = asyncio.run(measure(args.tickets, args.database))
    ms = [v * 1000 for v in latencies]
    print(
        f"ticket -> orderable over {len(ms)} tickets ({args.database}): "
        f"p50 {percentile(ms, 50):.1f} ms, p90 {percentile(ms, 90):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )


if __name__ == "__main__":
    main()
