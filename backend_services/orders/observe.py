"""What orders counts: every hold attempt by outcome, and the holds open right now."""

from __future__ import annotations

import sqlalchemy as sa
from prometheus_client import Counter
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from backend_services.common.errors import AppError
from backend_services.common.metrics import Metrics
from backend_services.common.runtime import Runtime

from .domain import OrderStatus
from .inflight import HoldsInFlight
from .models import Order
from .service import HoldRefused
from .settings import OrdersSettings

HELD = "held"
# held; refused: reserved (another buyer's hold), sold, fair_use; not_found, invalid.
OUTCOMES = (HELD, "reserved", "sold", "fair_use", "not_found", "invalid")


def hold_attempts(metrics: Metrics) -> Counter:
    return metrics.counter(
        "orders_hold_attempts_total",
        "Orders placed (a hold on a ticket), by outcome: held, or why not.",
        ("outcome",),
    )


def hold_outcome(error: AppError) -> str:
    if isinstance(error, HoldRefused):
        return error.outcome
    return "not_found" if error.status_code == 404 else "invalid"


def observe(runtime: Runtime[OrdersSettings, HoldsInFlight]) -> None:
    attempts = hold_attempts(runtime.metrics)
    for outcome in OUTCOMES:  # every series from zero, so rates start at the first scrape
        attempts.labels(outcome)
    engine = runtime.engine
    runtime.metrics.gauge(
        "orders_holds_active",
        "Orders holding a ticket and awaiting payment (status created).",
        lambda: _active_holds(engine),
    )


def _active_holds(engine: Engine) -> int:
    query = sa.select(sa.func.count()).where(col(Order.status) == OrderStatus.CREATED.value)
    with Session(engine) as session:
        return int(session.connection().execute(query).scalar_one())
