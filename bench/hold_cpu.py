"""`python -m bench.hold_cpu [--postgres]`: CPU per `POST /api/orders` of one orders process.

One orders process (uvicorn, as `make run` starts it) on real Redis and NATS, no
ingress and no other service: its replica of tickets is filled directly, 100 buyers
each win one ticket one at a time (the 201 path), then wrk sends attempts for the held
tickets (the 409 path most of an on-sale rush takes). The figure is the orders
process's CPU milliseconds per request (`/proc/<pid>/stat`), which survives
neighbours on a shared machine far better than requests per second. It is a
before/after gauge for the hold path, not the product's throughput (see `python -m
bench` for that, through the ingress).
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from backend_services.common.db import make_engine
from backend_services.common.sessions import CurrentUser, issue_token
from backend_services.orders.models import OrderTicket
from backend_services.orders.settings import OrdersSettings
from bench import generator
from bench import profile as bench_profile
from bench.databases import connect_when_up
from bench.service_process import service_process
from harness import servers
from harness.apps import JWT_KEY
from harness.processes import cpu_ticks

TICKETS = 100
BUYERS = 200


@contextlib.contextmanager
def database(tmp: Path, postgres: bool) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{tmp}/orders.db"
        return
    server = servers.postgres_server()
    if server is None:
        raise SystemExit("PostgreSQL is not installed here")
    with servers.running(server):
        url = f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
        connect_when_up(url).close()
        # As the service reads it (the driver named), for seeding the replica here.
        yield OrdersSettings(database_url=servers.sibling_database(url, "orders")).database_url


@contextlib.contextmanager
def orders_process(tmp: Path, db: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    with (
        servers.running(servers.redis_server(tmp)) as redis,
        servers.running(servers.nats_server(tmp)) as nats,
    ):
        env = {
            "DATABASE_URL": db,
            "NATS_URL": nats.url("nats"),
            "REDIS_URL": redis.url("redis", path="/0"),
        }
        with service_process("orders", tmp, env) as running:
            yield running


def seed(db: str) -> list[str]:
    tickets = [uuid.uuid4().hex for _ in range(TICKETS)]
    engine = make_engine(db)
    with Session(engine) as session:
        for ticket_id in tickets:
            session.add(OrderTicket(id=ticket_id, version=0, title="Gig", price=2000, user_id="s"))
        session.commit()
    engine.dispose()
    return tickets


def run(
    postgres: bool, seconds: int, connections: int, profile: Path | None = None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hold-cpu-") as name:
        tmp = Path(name)
        with database(tmp, postgres) as db, orders_process(tmp, db) as (proc, base):
            tickets = seed(db)
            settings = OrdersSettings(jwt_key=JWT_KEY)
            users = [CurrentUser(uuid.uuid4().hex, f"b{n}@example.com") for n in range(BUYERS)]
            tokens = [issue_token(settings, user) for user in users]
            before = cpu_ticks([proc.pid])
            with httpx.Client(base_url=base) as client:
                for token, ticket_id in zip(tokens, tickets, strict=False):
                    held = client.post(
                        "/api/orders", json={"ticketId": ticket_id}, cookies={"session": token}
                    )
                    if held.status_code != 201:
                        raise RuntimeError(f"hold refused: {held.status_code} {held.text}")
            win_ms = 1000 * (cpu_ticks([proc.pid]) - before) / generator.HZ / TICKETS
            data = generator.write_data(tmp / "wrk.data", tokens, tickets)
            load = generator.Load(base, "spike", connections, seconds, data=data)
            losses = generator.run(load, tmp / "wrk.json", {"orders": [proc.pid]})
            if profile is not None:  # its own run: py-spy's CPU never overlaps the figure
                spy = bench_profile.start(proc.pid, seconds, profile)
                generator.run(load, tmp / "wrk-profile.json")
                spy.communicate(None, seconds + 30)
    losses.pop("wins", None)
    database_name = "PostgreSQL" if postgres else "SQLite"
    return {"database": database_name, "win_cpu_ms": round(win_ms, 2), "losses": losses}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hold_cpu", description=__doc__)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--profile", type=Path, help="also write py-spy's collapsed stacks of the 409 path here"
    )
    args = parser.parse_args()
    result = run(args.postgres, args.seconds, args.connections, args.profile)
    losses = result["losses"]
    latency = losses["latency_ms"]
    print(
        f"{result['database']}: 201 path {result['win_cpu_ms']} ms CPU per hold (sequential); "
        f"409 path {losses['busiest_cpu_ms_per_request']['orders']} ms CPU per attempt, "
        f"{losses['requests_per_s']} req/s, p50/p90/p99/max "
        f"{'/'.join(f'{latency[k]:.0f}' for k in ('p50', 'p90', 'p99', 'max'))} ms, "
        f"statuses {losses['statuses']}"
    )
    if args.profile is not None:
        shares = bench_profile.summarise(args.profile, top=40)
        for (a, pa), (b, pb) in zip(
            shares["top_inclusive_pct"], shares["top_self_pct"], strict=False
        ):
            print(f"{pa:5.1f} {a:<45} {pb:5.1f} {b}")


if __name__ == "__main__":
    main()
