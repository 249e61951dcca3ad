"""arq jobs are JSON: a job written by anyone else (a pickle) is never unpickled."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import httpx
from arq.connections import ArqRedis

from backend_services.expiration import jobs
from backend_services.expiration.timers import JOB_FUNCTION
from tests.support.waiting import eventually

QUEUE = "arq:queue"


class Payload:
    """Unpickling this runs `open(marker, "w")`: code chosen by whoever wrote the job."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def planted_job(marker: Path) -> bytes:
    return pickle.dumps(
        {"t": 1, "f": JOB_FUNCTION, "a": (Payload(marker),), "k": {}, "et": int(time.time() * 1000)}
    )


async def test_a_planted_pickle_job_runs_nothing(
    worker: httpx.AsyncClient, redis: ArqRedis, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    # The payload is live: plain pickle.loads would create the marker.
    pickle.loads(planted_job(tmp_path / "control"))
    assert (tmp_path / "control").exists()

    await redis.set("arq:job:planted", planted_job(marker))
    await redis.zadd(QUEUE, {"planted": time.time() * 1000})
    # The worker takes it off the queue as a failed job, without running it.
    await eventually(lambda: redis.zscore(QUEUE, "planted"), lambda score: score is None)
    result = await eventually(lambda: redis.get("arq:result:planted"))
    assert jobs.deserialize(result)["s"] is False
    assert not marker.exists()


def test_jobs_round_trip_as_json() -> None:
    job = {"t": 1, "f": JOB_FUNCTION, "a": ["order-1"], "k": {}, "et": 1}
    raw = jobs.serialize(job)
    assert raw.startswith(b"{") and jobs.deserialize(raw) == job
