"""The refunder: gives back charges whose order was cancelled, until Stripe takes them.

Woken by the `order.cancelled` consumer (so a refund starts at once without
holding up the event stream while Stripe answers), and otherwise polling, so a
refund that failed (Stripe down) or was interrupted (a restart) is retried.

Each pass first reconciles abandoned payment attempts (`service.reconcile`: a
process died between charging and recording, or an attempt was left pending
for an order that can no longer be paid), then refunds what is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.engine import Engine

from backend_services.common.threads import in_thread

from . import service
from .gateway import StripeGateway

log = logging.getLogger(__name__)


class Refunder:
    def __init__(
        self, engine: Engine, gateway: StripeGateway, lease: timedelta, interval: float
    ) -> None:
        self.engine = engine
        self.gateway = gateway
        self.lease = lease
        self.interval = interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                await in_thread(service.reconcile, self.engine, self.gateway, self.lease)
            except Exception:
                log.exception("reconcile pass failed")
            try:
                await in_thread(service.refund_due, self.engine, self.gateway, self.lease)
            except Exception:
                log.exception("refund pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
