"""How late do hold timers fire? `python -m bench.expiry_lateness [--holds 200]`

Starts its own nats-server (JetStream), redis-server (AOF) and the expiration
service (`python -m backend_services.expiration`, the same process `make run`
starts), publishes `order.created` for N holds whose `expiresAt` are spread over
a few seconds, and timestamps each `expiration.complete` as it arrives on NATS.

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
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack, closing, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
JWT_KEY = "bench-key-that-is-long-enough-for-hs256-0123456789"


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing on port {port}")


def start(
    stack: ExitStack, argv: list[str], port: int, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )

    def stop() -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    stack.callback(stop)
    wait_port(port, proc)
    return proc


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                checks = json.loads(response.read()).get("checks", {})
                # Ready and on the bus (/readyz reports the bus, it does not gate on it).
                if response.status == 200 and all(s == "ok" for s in checks.values()):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready")


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
    nats_port, redis_port, http_port = free_port(), free_port(), free_port()
    nats_bin = shutil.which("nats-server", path=str(PYTHON.parent)) or "nats-server"
    with ExitStack() as stack:
        start(
            stack,
            [nats_bin, "-js", "-sd", str(tmp / "nats"), "-a", "127.0.0.1", "-p", str(nats_port)],
            nats_port,
            tmp / "nats.log",
        )
        start(
            stack,
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(tmp),
                "--appendonly",
                "yes",
                "--save",
                "",
            ],
            redis_port,
            tmp / "redis.log",
        )
        env = {
            "PYTHONPATH": str(REPO),
            "PORT": str(http_port),
            "ENVIRONMENT": "test",
            "JWT_KEY": JWT_KEY,
            "NATS_URL": f"nats://127.0.0.1:{nats_port}",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "LOG_LEVEL": "WARNING",
        }
        if args.poll_delay is not None:
            env["POLL_DELAY_SECONDS"] = str(args.poll_delay)
        start(
            stack,
            [str(PYTHON), "-m", "backend_services.expiration"],
            http_port,
            tmp / "expiration.log",
            env,
        )
        wait_ready(f"http://127.0.0.1:{http_port}/readyz")
        result = asyncio.run(
            measure(f"nats://127.0.0.1:{nats_port}", args.holds, args.lead, args.spread)
        )
    result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    print(json.dumps(result, indent=2))
    if args.keep:
        print(f"logs: {tmp}", file=sys.stderr)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
