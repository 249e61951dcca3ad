"""expiration's /metrics: timers pending in Redis, and its consumer's deliveries."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import httpx

from harness.servers import REPO
from tests.expiration.test_expiration import new_order_id, publish_order
from tests.support.metrics import Samples, exposed_names, scrape, value
from tests.support.waiting import eventually


async def test_timers_pending_and_deliveries_are_counted(
    worker: httpx.AsyncClient, nats_url: str
) -> None:
    before = value(await scrape(worker), "expiration_timers_pending")
    later = datetime.now(UTC) + timedelta(hours=1)  # due long after the test
    await publish_order(nats_url, new_order_id(), later)
    await publish_order(nats_url, new_order_id(), later)

    handled = {"consumer": "expiration", "subject": "order.created", "outcome": "ack"}

    def acked(samples: Samples) -> bool:  # counted once the handler has returned
        return value(samples, "events_handled_total", **handled) == 2

    samples = await eventually(lambda: scrape(worker), acked)
    assert value(samples, "expiration_timers_pending") == before + 2


async def test_the_dashboard_queries_expirations_metrics_by_their_names(
    worker: httpx.AsyncClient,
) -> None:
    sys.path.insert(0, str(REPO / "infra"))
    import dashboard

    exposed = exposed_names((await worker.get("/metrics")).text)
    assert [q for q in dashboard.queries() if "expiration_timers_pending" in q]
    assert "expiration_timers_pending" in exposed
