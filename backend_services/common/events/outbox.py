"""Transactional outbox: record events with the change, publish them afterwards.

`record()` adds the event to the caller's session, so it commits or rolls back
with the business change. `OutboxRelay` publishes committed rows in order (a batch
pipelined) with `Nats-Msg-Id` = the row id, so a publish repeated after a crash is
dropped by JetStream's dedupe window; it is woken right after each commit that
recorded an event and otherwise polls, so it survives NATS outages and restarts.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine, Row
from sqlmodel import Session, col, select

from contracts.events import Event

from .. import tracing
from ..clock import utcnow
from ..db import reading, transaction
from ..threads import in_thread
from ..wakeup import Wakeup
from .bus import EventBus, Outgoing
from .metrics import EventMetrics
from .tables import OutboxEvent

log = logging.getLogger(__name__)

BATCH_SIZE = 100
KEEP_PUBLISHED = timedelta(days=1)
_PENDING_KEY = "outbox_pending"
_wakers: dict[str, Callable[[], None]] = {}
_INSERT = sa.insert(OutboxEvent.__table__)  # type: ignore[attr-defined]


def record(session: Session, event: Event) -> str:
    """Add the event to the session's transaction; its id (the `Nats-Msg-Id`).

    A Core insert, now: every write path pays for it, and a unit-of-work flush of one
    row at commit cost several times as much."""
    msg_id = uuid.uuid4().hex
    row = {
        "id": msg_id,
        "subject": event.subject.value,
        "payload": event.wire(),
        "headers": tracing.current_headers(),
        "created_at": utcnow(),
    }
    session.connection().execute(_INSERT, row)
    session.info[_PENDING_KEY] = True
    return msg_id


@sa_event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    if session.info.pop(_PENDING_KEY, False):
        waker = _wakers.get(str(session.get_bind().engine.url))
        if waker is not None:
            waker()


@sa_event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        bus: EventBus,
        poll_seconds: float = 1.0,
        metrics: EventMetrics | None = None,
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.poll_seconds = poll_seconds
        self.metrics = metrics
        self.wakeup = Wakeup()
        self.wake = self.wakeup.wake  # thread-safe: called right after a commit

    async def run(self) -> None:
        self.wakeup.bind()
        _wakers[str(self.engine.url)] = self.wake
        while True:
            try:
                published = await self.publish_pending()
            except Exception:  # a DB or NATS hiccup must not kill the relay
                log.exception("outbox relay pass failed")
                published = 0
            if published < BATCH_SIZE:  # a full batch means more may be waiting
                await self.wakeup.sleep(self.poll_seconds)

    async def publish_pending(self) -> int:
        """Publish the oldest unpublished rows, in order; how many went out.

        Read, publish, then mark, each on its own: no transaction is open while NATS
        answers (on SQLite an open write transaction held every writer of the service
        for the whole batch). Replicas may read the same rows and both publish them:
        JetStream keeps the first of each `Nats-Msg-Id`, so order and exactly-once hold.
        """
        if not self.bus.connected:
            return 0
        rows = await in_thread(self._unpublished)
        if not rows:
            return 0
        published = await self.bus.publish_in_order([_outgoing(row) for row in rows])
        self._count(rows, published)
        if published:
            await in_thread(self._mark_published, [row.seq for row in rows[:published]])
        return published

    def _unpublished(self) -> list[Row[Any]]:
        with reading(self.engine) as connection:
            return list(connection.execute(_UNPUBLISHED).all())

    def _mark_published(self, seqs: list[int]) -> None:
        with transaction(self.engine) as session:
            session.execute(
                sa.update(OutboxEvent)
                .where(col(OutboxEvent.seq).in_(seqs), col(OutboxEvent.published_at).is_(None))
                .values(published_at=utcnow())
            )
            self._prune(session)

    def _count(self, rows: list[Row[Any]], published: int) -> None:
        if self.metrics is None:
            return
        for row in rows[:published]:
            self.metrics.published.labels(row.subject).inc()
        if published < len(rows):
            self.metrics.publish_failures.labels(rows[published].subject).inc()

    def _prune(self, session: Session) -> None:
        cutoff = utcnow() - KEEP_PUBLISHED
        session.execute(sa.delete(OutboxEvent).where(col(OutboxEvent.published_at) < cutoff))


_UNPUBLISHED = (
    sa.select(
        col(OutboxEvent.seq),
        col(OutboxEvent.id),
        col(OutboxEvent.subject),
        col(OutboxEvent.payload),
        col(OutboxEvent.headers),
    )
    .where(col(OutboxEvent.published_at).is_(None))
    .order_by(col(OutboxEvent.seq))
    .limit(BATCH_SIZE)
)


def _outgoing(row: Row[Any]) -> Outgoing:
    data = json.dumps(row.payload, separators=(",", ":")).encode()
    with tracing.publishing(row.subject, row.headers) as headers:  # the span of the send
        return Outgoing(row.subject, data, row.id, headers or None)


def pending_count(engine: Engine) -> int:
    with Session(engine) as session:
        query: Any = select(sa.func.count()).select_from(OutboxEvent)
        return int(session.exec(query.where(col(OutboxEvent.published_at).is_(None))).one())
