"""Fallback for lost hold timers: cancel orders left `created` well past expiresAt."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.common.runtime import Runtime
from backend_services.common.threads import in_thread

from . import lifecycle
from .domain import OrderStatus
from .inflight import HoldsInFlight
from .models import Order
from .settings import OrdersSettings

log = logging.getLogger(__name__)

BATCH = 100


def cancel_overdue(engine: Engine, now: datetime, grace_seconds: float) -> int:
    """Cancel up to BATCH overdue holds; replicas skip each other's locked rows."""
    cutoff = now - timedelta(seconds=grace_seconds)
    with transaction(engine) as session:
        overdue = session.exec(
            select(Order)
            .where(Order.status == OrderStatus.CREATED.value, col(Order.expires_at) < cutoff)
            .order_by(col(Order.expires_at))
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for order in overdue:
            lifecycle.cancel(session, order)
    if overdue:
        log.warning("sweeper cancelled %d overdue order(s): a hold timer was lost", len(overdue))
    return len(overdue)


async def sweep_forever(engine: Engine, interval: float, grace_seconds: float) -> None:
    while True:
        try:
            while await in_thread(cancel_overdue, engine, utcnow(), grace_seconds) == BATCH:
                pass
        except Exception:  # a database hiccup must not end the sweeper
            log.exception("sweeper pass failed")
        await asyncio.sleep(interval)


def sweeper(runtime: Runtime[OrdersSettings, HoldsInFlight]) -> list[Coroutine[Any, Any, None]]:
    settings = runtime.settings
    return [
        sweep_forever(runtime.engine, settings.sweep_interval_seconds, settings.sweep_grace_seconds)
    ]
