"""What payments needs besides its database: the Stripe gateway and the reconciler."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from backend_services.common.runtime import Runtime

from .gateway import StripeGateway
from .refunds import Refunder
from .settings import PaymentsSettings


@dataclass(frozen=True)
class PaymentsDeps:
    gateway: StripeGateway
    refunder: Refunder


PaymentsRuntime = Runtime[PaymentsSettings, PaymentsDeps]


@contextlib.asynccontextmanager
async def payments_deps(runtime: Runtime[PaymentsSettings, None]) -> AsyncIterator[PaymentsDeps]:
    settings = runtime.settings
    gateway = StripeGateway(settings)
    refunder = Refunder(
        runtime.engine,
        gateway,
        lease=timedelta(seconds=settings.payment_lease_seconds),
        interval=settings.reconcile_interval_seconds,
    )
    yield PaymentsDeps(gateway=gateway, refunder=refunder)


def reconciler(runtime: PaymentsRuntime) -> list[Coroutine[Any, Any, None]]:
    return [runtime.deps.refunder.run()]
