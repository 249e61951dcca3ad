"""What the outbox and the consumers count, on the registry of the service running them."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from ..clock import as_utc, utcnow
from .tables import OutboxEvent

log = logging.getLogger(__name__)

# Handling an event is a transaction or a Redis call: milliseconds, up to a slow retry.
HANDLE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
PER_CONSUMER = ("consumer", "subject")  # the labels of what a consumer did


class EventMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        def counter(name: str, doc: str, labels: Sequence[str] = PER_CONSUMER) -> Counter:
            return Counter(name, doc, labels, registry=registry)

        self.published = counter(
            "events_published_total",
            "Events published to NATS (outbox relay or direct).",
            ["subject"],
        )
        self.publish_failures = counter(
            "events_publish_failures_total",
            "Publishes that failed and will be retried (NATS down or slow).",
            ["subject"],
        )
        self.handled = counter(
            "events_handled_total",
            "Deliveries a consumer finished: outcome ack, retry (nak) or dead_letter.",
            [*PER_CONSUMER, "outcome"],
        )
        self.redelivered = counter(
            "events_redelivered_total",
            "Deliveries that were not the first of their message (num_delivered > 1).",
        )
        self.dead_lettered = counter(
            "events_dead_lettered_total",
            "Messages given up on and copied to deadletter.<consumer>.",
        )
        self.handle_seconds = Histogram(
            "events_handle_duration_seconds",
            "Time a consumer's handler took per delivery.",
            PER_CONSUMER,
            buckets=HANDLE_BUCKETS,
            registry=registry,
        )


class OutboxBacklog(Collector):
    """`outbox_pending_events` and `outbox_oldest_pending_seconds`, read at scrape time.

    One indexed query per scrape (published_at IS NULL); a database that does not
    answer yields no sample rather than failing the whole scrape.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> list[Metric]:
        return list(self._families(0, None))

    def collect(self) -> Iterator[Metric]:
        try:
            count, oldest = self._read()
        except Exception as exc:
            log.warning("outbox backlog not readable: %s", exc)
            return
        yield from self._families(count, oldest)

    def _read(self) -> tuple[int, datetime | None]:
        query = sa.select(sa.func.count(), sa.func.min(col(OutboxEvent.created_at))).where(
            col(OutboxEvent.published_at).is_(None)
        )
        with Session(self.engine) as session:
            count, oldest = session.connection().execute(query).one()
        return int(count), oldest

    @staticmethod
    def _families(count: int, oldest: datetime | None) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "outbox_pending_events", "Committed events not yet published to NATS.", value=count
        )
        age = 0.0
        if oldest is not None:
            age = max(0.0, (utcnow() - as_utc(oldest)).total_seconds())
        yield GaugeMetricFamily(
            "outbox_oldest_pending_seconds",
            "Age of the oldest unpublished event (0 when none): a stuck relay grows it.",
            value=age,
        )
