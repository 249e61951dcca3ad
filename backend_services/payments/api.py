from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.engine import Engine

from backend_services.common.errors import Conflict, NotFound, UpstreamUnavailable, error_responses
from backend_services.common.runtime import request_runtime
from backend_services.common.sessions import SignedInUser
from backend_services.common.threads import in_thread

from . import ledger, paying, replica, webhooks
from .deps import PaymentsRuntime
from .domain import PaymentStatus
from .gateway import StripeGateway, StripeUnavailable
from .models import Payment
from .schemas import PaymentIn, PaymentOut, TestAuthenticationIn

router = APIRouter(tags=["payments"])
RuntimeDep = Annotated[PaymentsRuntime, Depends(request_runtime)]
NOT_AWAITING = "This payment is not awaiting authentication"


@router.post(
    "",
    status_code=201,
    response_model=PaymentOut,
    responses=error_responses(400, 401, 402, 403, 404, 409, 429, 503),
)
async def create_payment(body: PaymentIn, runtime: RuntimeDep, user: SignedInUser) -> PaymentOut:
    gateway, settings = runtime.deps.gateway, runtime.settings
    try:
        paid = await paying.pay(runtime.engine, gateway, settings, user, body.order_id, body.token)
    except Conflict:
        runtime.deps.settler.wake()  # the order was cancelled meanwhile: release the hold now
        raise
    return PaymentOut.of(paid.payment, paid.client_secret)


@router.get("", response_model=list[PaymentOut], responses=error_responses(400, 401, 403, 404))
async def list_payments(
    runtime: RuntimeDep, user: SignedInUser, order_id: Annotated[str, Query(alias="orderId")]
) -> list[PaymentOut]:
    """The order's attempts, newest first. An attempt awaiting 3-D Secure is looked up at
    Stripe first: the buyer may just have answered the bank there (Stripe.js)."""
    replica.own(await in_thread(replica.load, runtime.engine, order_id), user)
    payments = await in_thread(ledger.of_order, runtime.engine, order_id)
    if any(p.status == PaymentStatus.REQUIRES_ACTION for p in payments):
        await in_thread(_refresh_challenges, runtime.engine, runtime.deps.gateway, payments)
        payments = await in_thread(ledger.of_order, runtime.engine, order_id)
        runtime.deps.settler.wake()
    return [PaymentOut.of(p) for p in payments]


def _refresh_challenges(engine: Engine, gateway: StripeGateway, payments: list[Payment]) -> None:
    for payment in payments:
        if payment.status == PaymentStatus.REQUIRES_ACTION and payment.stripe_id is not None:
            with contextlib.suppress(StripeUnavailable):  # the reconciler looks again later
                ledger.sync(engine, payment.id, gateway.retrieve(payment.stripe_id))


@router.post("/webhooks/stripe", responses=error_responses(400, 503))
async def stripe_webhook(request: Request, runtime: RuntimeDep) -> dict[str, str]:
    payload = await request.body()  # the raw bytes: the signature covers them exactly
    signature = request.headers.get("stripe-signature")
    event = webhooks.verify(payload, signature, runtime.settings.stripe_webhook_secret)
    await in_thread(webhooks.apply, runtime.engine, runtime.deps.gateway, event)
    runtime.deps.settler.wake()
    return {}


@router.post(
    "/{payment_id}/test-authentication",
    response_model=PaymentOut,
    responses=error_responses(401, 403, 404, 409, 503),
)
async def test_authentication(
    payment_id: str, body: TestAuthenticationIn, runtime: RuntimeDep, user: SignedInUser
) -> PaymentOut:
    """Local test mode only (the local Stripe server): complete or fail the 3-D Secure
    challenge, as the bank's page would; with real Stripe, Stripe.js does this."""
    gateway = runtime.deps.gateway
    if not gateway.local:
        raise NotFound()
    payment = await in_thread(_load_payment, runtime.engine, payment_id)
    replica.own(await in_thread(replica.load, runtime.engine, payment.order_id), user)
    if payment.status != PaymentStatus.REQUIRES_ACTION or payment.stripe_id is None:
        raise Conflict(NOT_AWAITING)
    try:
        payment = await in_thread(_authenticate, runtime.engine, gateway, payment, body.success)
    except StripeUnavailable:
        raise UpstreamUnavailable(paying.UNAVAILABLE) from None
    runtime.deps.settler.wake()
    return PaymentOut.of(payment)


def _load_payment(engine: Engine, payment_id: str) -> Payment:
    payment = ledger.get(engine, payment_id)
    if payment is None:
        raise NotFound("Payment not found")
    return payment


def _authenticate(
    engine: Engine, gateway: StripeGateway, payment: Payment, success: bool
) -> Payment:
    assert payment.stripe_id is not None
    gateway.test_authenticate(gateway.retrieve(payment.stripe_id), success)
    return ledger.sync(engine, payment.id, gateway.retrieve(payment.stripe_id))
