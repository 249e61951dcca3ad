"""Keeping the inbox small: forget processed ids once no redelivery can bring them back.

An id must be remembered for as long as the same message can still arrive: while
JetStream may redeliver it, and while it is in the stream at all (a consumer
created again replays the stream from its start). So the retention is longer
than the stream's max age; see `INBOX_RETENTION_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..clock import utcnow
from ..db import transaction
from ..threads import in_thread
from .tables import ProcessedMessage

log = logging.getLogger(__name__)


def prune_inbox(engine: Engine, older_than: datetime) -> int:
    """Delete inbox rows processed before `older_than`; how many went."""
    table = ProcessedMessage.__table__  # type: ignore[attr-defined]
    with transaction(engine) as session:
        result = session.execute(sa.delete(table).where(table.c.processed_at < older_than))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def prune_forever(engine: Engine, retention_seconds: float, every_seconds: float) -> None:
    while True:
        try:
            cutoff = utcnow() - timedelta(seconds=retention_seconds)
            removed = await in_thread(prune_inbox, engine, cutoff)
            if removed:
                log.info("inbox pruned", extra={"removed": removed})
        except Exception as exc:  # the database is away: try again next round
            log.warning("inbox prune failed: %r", exc)
        await asyncio.sleep(every_seconds)
