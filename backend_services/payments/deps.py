"""What payments needs besides its database: the Stripe gateway and the settler."""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from backend_services.common.runtime import Runtime, nothing_to_close

from .gateway import StripeGateway
from .reconciling import reconcile
from .settings import PaymentsSettings
from .settling import Settler, settle_due


@dataclass(frozen=True)
class PaymentsDeps:
    gateway: StripeGateway
    settler: Settler


PaymentsRuntime = Runtime[PaymentsSettings, PaymentsDeps]


@nothing_to_close
def payments_deps(runtime: Runtime[PaymentsSettings, None]) -> PaymentsDeps:
    settings = runtime.settings
    gateway = StripeGateway(settings)
    lease = timedelta(seconds=settings.payment_lease_seconds)
    settle_lease = timedelta(seconds=settings.settle_lease_seconds)
    grace = timedelta(seconds=settings.authorization_grace_seconds)
    recheck = timedelta(seconds=settings.challenge_recheck_seconds)
    settler = Settler(
        [
            ("reconcile", partial(reconcile, runtime.engine, gateway, lease, grace, recheck)),
            ("settle", partial(settle_due, runtime.engine, gateway, settle_lease)),
        ],
        interval=settings.reconcile_interval_seconds,
    )
    return PaymentsDeps(gateway=gateway, settler=settler)


def reconciler(runtime: PaymentsRuntime) -> list[Coroutine[Any, Any, None]]:
    """The settler's loop: reconcile abandoned attempts and stale holds, then settle."""
    return [runtime.deps.settler.run()]
