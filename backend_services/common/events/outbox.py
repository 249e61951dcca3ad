"""Transactional outbox: record events with the change, publish them afterwards.

`record()` adds the event to the caller's session, so it commits or rolls back
with the business change. `OutboxRelay` publishes committed rows in order with
`Nats-Msg-Id` = the row id, so a publish repeated after a crash is dropped by
JetStream's dedupe window; it is woken right after each commit that recorded
an event and otherwise polls, so it survives NATS outages and restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from contracts.events import Event

from .. import tracing
from ..clock import utcnow
from ..db import transaction
from ..threads import in_thread
from .bus import EventBus
from .metrics import EventMetrics
from .tables import OutboxEvent

log = logging.getLogger(__name__)

BATCH_SIZE = 100
KEEP_PUBLISHED = timedelta(days=1)
_PENDING_KEY = "outbox_pending"
_wakers: dict[str, Callable[[], None]] = {}


def record(session: Session, event: Event) -> OutboxEvent:
    row = OutboxEvent(
        subject=event.subject.value, payload=event.wire(), headers=tracing.current_headers()
    )
    session.add(row)
    session.info[_PENDING_KEY] = True
    return row


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
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Thread-safe: called from request threads right after a commit."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        _wakers[str(self.engine.url)] = self.wake
        while True:
            try:
                published = await self.publish_pending()
            except Exception:  # a DB or NATS hiccup must not kill the relay
                log.exception("outbox relay pass failed")
                published = 0
            if published < BATCH_SIZE:  # a full batch means more may be waiting
                await self._sleep()

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        self._wake.clear()

    async def publish_pending(self) -> int:
        if not self.bus.connected:
            return 0
        loop = asyncio.get_running_loop()
        return await in_thread(self._publish_batch, loop)

    def _publish_batch(self, loop: asyncio.AbstractEventLoop) -> int:
        published = 0
        with transaction(self.engine) as session:
            rows = session.exec(
                select(OutboxEvent)
                .where(col(OutboxEvent.published_at).is_(None))
                .order_by(col(OutboxEvent.seq))
                .limit(BATCH_SIZE)
                .with_for_update(skip_locked=True)  # replicas take disjoint batches (PostgreSQL)
            ).all()
            for row in rows:
                if not self._publish_one(loop, row):
                    break  # keep order: stop at the first failure, retry from it later
                row.published_at = utcnow()
                published += 1
            if published:
                self._prune(session)
        return published

    def _publish_one(self, loop: asyncio.AbstractEventLoop, row: OutboxEvent) -> bool:
        data = json.dumps(row.payload, separators=(",", ":")).encode()
        with tracing.publishing(row.subject, row.headers) as headers:
            future = asyncio.run_coroutine_threadsafe(
                self.bus.publish(row.subject, data, msg_id=row.id, headers=headers), loop
            )
            try:
                future.result(timeout=5)
            except Exception as exc:
                log.warning("publish of %s %s failed, will retry: %s", row.subject, row.id, exc)
                if self.metrics is not None:
                    self.metrics.publish_failures.labels(row.subject).inc()
                return False
        if self.metrics is not None:
            self.metrics.published.labels(row.subject).inc()
        return True

    def _prune(self, session: Session) -> None:
        cutoff = utcnow() - KEEP_PUBLISHED
        session.execute(sa.delete(OutboxEvent).where(col(OutboxEvent.published_at) < cutoff))


def pending_count(engine: Engine) -> int:
    with Session(engine) as session:
        query: Any = select(sa.func.count()).select_from(OutboxEvent)
        return int(session.exec(query.where(col(OutboxEvent.published_at).is_(None))).one())
