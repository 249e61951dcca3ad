from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend_services.common.app import RuntimeDep
from backend_services.common.sessions import SignedInUser

from . import service
from .schemas import PaymentIn, PaymentOut
from .settings import PaymentsSettings

router = APIRouter(tags=["payments"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "missing fields, or a token Stripe does not accept"},
    401: {"description": "not signed in"},
    402: {"description": "the card was declined (Stripe's message)"},
    403: {"description": "the order is someone else's"},
    404: {"description": "unknown order"},
    409: {"description": "the order is cancelled, expired or already paid"},
    503: {"description": "Stripe unreachable; nothing was charged twice, try again"},
}


@router.post("", status_code=201, response_model=PaymentOut, responses=ERRORS)
async def create_payment(body: PaymentIn, runtime: RuntimeDep, user: SignedInUser) -> PaymentOut:
    settings = runtime.settings
    assert isinstance(settings, PaymentsSettings)
    payment = await service.pay(
        runtime.engine, runtime.extras["stripe"], settings, user, body.order_id, body.token
    )
    return PaymentOut.model_validate(payment, from_attributes=True)
