from __future__ import annotations

from fastapi import APIRouter

from backend_services.common.app import RuntimeDep
from backend_services.common.errors import error_responses
from backend_services.common.sessions import SignedInUser

from . import service
from .schemas import PaymentIn, PaymentOut
from .settings import PaymentsSettings

router = APIRouter(tags=["payments"])


@router.post(
    "",
    status_code=201,
    response_model=PaymentOut,
    responses=error_responses(400, 401, 402, 403, 404, 409, 503),
)
async def create_payment(body: PaymentIn, runtime: RuntimeDep, user: SignedInUser) -> PaymentOut:
    settings = runtime.settings
    assert isinstance(settings, PaymentsSettings)
    payment = await service.pay(
        runtime.engine, runtime.extras["stripe"], settings, user, body.order_id, body.token
    )
    return PaymentOut.model_validate(payment, from_attributes=True)
