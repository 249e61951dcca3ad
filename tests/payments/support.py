"""Looking at what payments and the local Stripe hold, for the payments tests."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import Session, col, select
from stripe import StripeClient

from backend_services.payments.models import Payment, PaymentOrder
from tests.payments.conftest import Payments
from tests.support.bus import stream_messages
from tests.support.waiting import eventually

URL = "/api/payments"
THREE_D_SECURE = "pm_card_authenticationRequired"


def intents_for(stripe: StripeClient, order_id: str) -> list[Any]:
    listing = stripe.v1.payment_intents.list(params={"limit": 100})
    return [
        pi for pi in listing.auto_paging_iter() if pi.metadata.to_dict().get("orderId") == order_id
    ]


def refund_count(stripe: StripeClient) -> int:
    return len(list(stripe.v1.refunds.list(params={"limit": 100}).auto_paging_iter()))


async def intents(stripe: StripeClient, order_id: str) -> list[Any]:
    return await asyncio.to_thread(intents_for, stripe, order_id)


async def intent_statuses(stripe: StripeClient, order_id: str) -> list[str]:
    return sorted(pi.status for pi in await intents(stripe, order_id))


async def events(nats_url: str, subject: str, order_id: str) -> list[dict[str, Any]]:
    found = await stream_messages(nats_url, subject)
    return [payload for _, payload, _ in found if payload.get("orderId") == order_id]


def rows_of(payments: Payments, order_id: str) -> list[Payment]:
    with Session(payments.engine) as session:
        query = select(Payment).where(Payment.order_id == order_id)
        return list(session.exec(query.order_by(col(Payment.attempt))).all())


async def statuses(payments: Payments, order_id: str) -> list[str]:
    rows = await asyncio.to_thread(rows_of, payments, order_id)
    return [r.status for r in rows]


async def settles(payments: Payments, order_id: str, expected: list[str]) -> None:
    await eventually(lambda: statuses(payments, order_id), lambda s: s == expected)


async def replica_status(payments: Payments, order_id: str) -> str | None:
    def read() -> str | None:
        with Session(payments.engine) as session:
            order = session.get(PaymentOrder, order_id)
            return order.status if order else None

    return await asyncio.to_thread(read)


async def known_order(payments: Payments, order_id: str, status: str = "created") -> None:
    await eventually(lambda: replica_status(payments, order_id), lambda s: s == status)


def errors(response: Any) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = response.json()["errors"]
    return body
