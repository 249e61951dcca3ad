from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from backend_services.common.app import RuntimeDep
from backend_services.common.errors import error_responses
from backend_services.common.sessions import SignedInUser

from . import domain, service
from .schemas import OrderIn, OrderOut
from .settings import OrdersSettings

router = APIRouter(tags=["orders"])


@router.post(
    "", status_code=201, response_model=OrderOut, responses=error_responses(400, 401, 404, 409)
)
async def place_order(body: OrderIn, user: SignedInUser, runtime: RuntimeDep) -> OrderOut:
    settings = runtime.settings
    assert isinstance(settings, OrdersSettings)
    order = await run_in_threadpool(
        service.place_order,
        runtime.engine,
        user,
        body.ticket_id,
        settings.expiration_window_seconds,
        domain.FairUse(
            settings.max_active_holds, timedelta(seconds=settings.rehold_cooldown_seconds)
        ),
    )
    return OrderOut.of(order)


@router.get("", response_model=list[OrderOut], responses=error_responses(401))
async def list_orders(user: SignedInUser, runtime: RuntimeDep) -> list[OrderOut]:
    orders = await run_in_threadpool(service.list_orders, runtime.engine, user)
    return [OrderOut.of(o) for o in orders]


@router.get("/{order_id}", response_model=OrderOut, responses=error_responses(401, 403, 404))
async def show_order(order_id: str, user: SignedInUser, runtime: RuntimeDep) -> OrderOut:
    return OrderOut.of(await run_in_threadpool(service.get_order, runtime.engine, user, order_id))


@router.delete(
    "/{order_id}", response_model=OrderOut, responses=error_responses(401, 403, 404, 409)
)
async def cancel_order(order_id: str, user: SignedInUser, runtime: RuntimeDep) -> OrderOut:
    order = await run_in_threadpool(service.cancel_order, runtime.engine, user, order_id)
    return OrderOut.of(order)
