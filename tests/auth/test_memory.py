"""A burst of sign-ups cannot take auth over its Kubernetes memory limit.

auth runs as its own process (as in production) with its default hashing budget;
30 concurrent sign-ups are sent and its peak resident memory (VmHWM) is read
from /proc and compared with the limit in infra/k8s/base/auth.yaml.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import yaml

from harness import servers
from harness.apps import JWT_KEY
from tests.support.waiting import eventually

MANIFEST = servers.REPO / "infra/k8s/base/auth.yaml"
UNITS = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def memory_limit_bytes() -> int:
    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d and d["kind"] == "Deployment"]
    container = docs[0]["spec"]["template"]["spec"]["containers"][0]
    limit = str(container["resources"]["limits"]["memory"])
    return int(limit[:-2]) * UNITS[limit[-2:]]


def peak_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


async def test_thirty_concurrent_signups_stay_under_the_memory_limit(
    tmp_path: Path, database_url: str, nats_url: str, redis_url: str
) -> None:
    port = servers.free_port()
    env = {
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "REDIS_URL": redis_url,
        "JWT_KEY": JWT_KEY,
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "WARNING",
        "SIGNUPS_PER_ADDRESS": "1000",  # this test is about memory, not the sign-up limit
    }
    argv = [sys.executable, "-m", "backend_services.auth"]
    server = servers.Server("auth", argv, port, tmp_path / "auth.log", env=env).start()
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:

            async def ready() -> int:
                return (await client.get("/api/users/readyz")).status_code

            await eventually(ready, lambda s: s == 200, timeout=60)
            assert server.proc is not None
            before = peak_rss_bytes(server.proc.pid)
            signups = [
                client.post(
                    "/api/users/signup",
                    json={"email": f"burst{i}@example.com", "password": "correct-horse"},
                )
                for i in range(30)
            ]
            codes = [r.status_code for r in await asyncio.gather(*signups)]
            peak = peak_rss_bytes(server.proc.pid)
    finally:
        server.stop()
    limit = memory_limit_bytes()
    mib = 1024**2
    print(
        f"\nauth peak RSS: {before / mib:.0f} MiB before, {peak / mib:.0f} MiB after 30 "
        f"concurrent sign-ups; Kubernetes limit {limit / mib:.0f} MiB"
    )
    assert codes == [201] * 30
    assert peak < limit
