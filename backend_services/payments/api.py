from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from backend_services.common.errors import error_responses
from backend_services.common.runtime import request_runtime
from backend_services.common.sessions import SignedInUser

from . import service
from .deps import PaymentsRuntime
from .schemas import PaymentIn, PaymentOut

router = APIRouter(tags=["payments"])
RuntimeDep = Annotated[PaymentsRuntime, Depends(request_runtime)]


@router.post(
    "",
    status_code=201,
    response_model=PaymentOut,
    responses=error_responses(400, 401, 402, 403, 404, 409, 503),
)
async def create_payment(body: PaymentIn, runtime: RuntimeDep, user: SignedInUser) -> PaymentOut:
    payment = await service.pay(
        runtime.engine, runtime.deps.gateway, runtime.settings, user, body.order_id, body.token
    )
    return PaymentOut.model_validate(payment, from_attributes=True)
