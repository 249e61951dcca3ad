"""How late do hold timers fire? `python -m bench.expiry_lateness [--holds 200]`

Starts its own nats-server (JetStream), redis-server (AOF) and the expiration
service (`python -m backend_services expiration`, the same process `make run`
starts; `bench/service_process.py`), publishes `order.created` for N holds whose
`expiresAt` are spread over a few seconds, and timestamps each `expiration.complete`
as it arrives on NATS.

lateness = arrival of `expiration.complete` - `expiresAt` (one clock: this machine's).

This is the timer alone (consumer → arq → publish); orders' cancellation and
tickets' release add their own consumer hops on top, which `python -m bench`
measures through the whole stack. Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats

from bench.service_process import service_process
from harness import servers


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(lateness_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(lateness_ms),
        "min_ms": round(min(lateness_ms), 1),
        "p50_ms": round(percentile(lateness_ms, 50), 1),
        "p90_ms": round(percentile(lateness_ms, 90), 1),
        "p99_ms": round(percentile(lateness_ms, 99), 1),
        "max_ms": round(max(lateness_ms), 1),
        "mean_ms": round(statistics.fmean(lateness_ms), 1),
    }


async def measure(nats_url: str, holds: int, lead: float, spread: float) -> dict[str, Any]:
    nc = await nats.connect(nats_url)
    arrivals: dict[str, float] = {}
    done = asyncio.Event()

    async def on_expired(msg: Any) -> None:
        order_id = json.loads(msg.data)["orderId"]
        arrivals.setdefault(order_id, time.time())
        if len(arrivals) >= holds:
            done.set()

    await nc.subscribe("expiration.complete", cb=on_expired)  # core NATS: no ack delay
    js = nc.jetstream()
    base = datetime.now(UTC) + timedelta(seconds=lead)
    due: dict[str, float] = {}
    for i in range(holds):
        order_id = uuid.uuid4().hex
        expires_at = base + timedelta(seconds=spread * i / max(holds - 1, 1))
        due[order_id] = expires_at.timestamp()
        payload = {
            "id": order_id,
            "version": 0,
            "status": "created",
            "userId": "bench-buyer",
            "expiresAt": expires_at.isoformat(),
            "ticket": {"id": f"ticket-{i}", "price": 1000},
        }
        await js.publish(
            "order.created",
            json.dumps(payload).encode(),
            headers={"Nats-Msg-Id": f"bench-order-created-{order_id}"},
        )
    published_by = time.time()
    with suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), lead + spread + 30)
    await nc.close()
    lateness = [(arrivals[o] - due[o]) * 1000 for o in due if o in arrivals]
    early = [o for o in due if o in arrivals and arrivals[o] < due[o]]
    return {
        "holds": holds,
        "fired": len(arrivals),
        "missing": holds - len(arrivals),
        "fired_before_expiry": len(early),
        "scheduling_headroom_s": round(base.timestamp() - published_by, 2),
        "expires_at_spread_s": spread,
        "lateness": summary(lateness) if lateness else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holds", type=int, default=200)
    parser.add_argument("--lead", type=float, default=5.0, help="seconds until the first expiry")
    parser.add_argument("--spread", type=float, default=10.0, help="expiries spread over (s)")
    parser.add_argument("--poll-delay", type=float, default=None, help="POLL_DELAY_SECONDS")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="expiry-bench-"))
    with (
        servers.running(servers.nats_server(tmp)) as bus,
        servers.running(servers.redis_server(tmp)) as redis,
    ):
        env = {"NATS_URL": bus.url("nats"), "REDIS_URL": redis.url("redis", path="/0")}
        if args.poll_delay is not None:
            env["POLL_DELAY_SECONDS"] = str(args.poll_delay)
        with service_process("expiration", tmp, env):
            result = asyncio.run(measure(bus.url("nats"), args.holds, args.lead, args.spread))
    result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    print(json.dumps(result, indent=2))
    if args.keep:
        print(f"logs: {tmp}", file=sys.stderr)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
