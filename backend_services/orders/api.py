from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from backend_services.common.errors import AppError, app_error_response, error_responses
from backend_services.common.runtime import Runtime, request_runtime
from backend_services.common.sessions import CurrentUser, SignedInUser
from backend_services.common.threads import in_thread

from . import domain, service
from .inflight import HoldsInFlight
from .models import Order
from .observe import HELD, hold_attempts, hold_outcome
from .recent import RECENT_HOLDS, WHILE_READ_AGAIN
from .schemas import OrderIn, OrderOut
from .settings import OrdersSettings

router = APIRouter(tags=["orders"])
RuntimeDep = Annotated[Runtime[OrdersSettings, HoldsInFlight], Depends(request_runtime)]


@router.post(
    "", status_code=201, response_model=OrderOut, responses=error_responses(400, 401, 404, 409)
)
async def place_order(
    body: OrderIn, user: SignedInUser, request: Request
) -> OrderOut | JSONResponse:
    """Most attempts in a rush lose: their refusal is returned, not raised, and the
    runtime read off the request (each dependency costs every attempt)."""
    runtime: Runtime[OrdersSettings, HoldsInFlight] = request.app.state.runtime
    attempts = hold_attempts(runtime.metrics)
    try:
        order = await _place(body, user, runtime)
    except AppError as error:
        attempts.labels(hold_outcome(error)).inc()
        return app_error_response(error)
    attempts.labels(HELD).inc()
    return OrderOut.of(order)


async def _place(
    body: OrderIn, user: CurrentUser, runtime: Runtime[OrdersSettings, HoldsInFlight]
) -> Order:
    ticket_ids, field = body.requested()
    wanted = service.Wanted(user, ticket_ids, field)
    # Most losers end here; while the ticket is being read or held, the last read will do.
    ttls = WHILE_READ_AGAIN if runtime.deps.busy(ticket_ids) else 1
    service.refuse_if_recently_held(RECENT_HOLDS, wanted, ttls)
    async with runtime.deps.turn(ticket_ids):
        service.refuse_if_recently_held(RECENT_HOLDS, wanted)  # the one we waited for won
        terms = _terms(runtime.settings)
        return await in_thread(service.place_order, runtime.engine, wanted, terms, RECENT_HOLDS)


def _terms(settings: OrdersSettings) -> domain.Terms:
    fair_use = domain.FairUse(
        settings.max_active_holds, timedelta(seconds=settings.rehold_cooldown_seconds)
    )
    return domain.Terms(settings.expiration_window_seconds, fair_use, settings.fees)


@router.get("", response_model=list[OrderOut], responses=error_responses(401))
async def list_orders(user: SignedInUser, runtime: RuntimeDep) -> list[OrderOut]:
    orders = await in_thread(service.list_orders, runtime.engine, user)
    return [OrderOut.of(o) for o in orders]


@router.get("/{order_id}", response_model=OrderOut, responses=error_responses(401, 403, 404))
async def show_order(order_id: str, user: SignedInUser, runtime: RuntimeDep) -> OrderOut:
    return OrderOut.of(await in_thread(service.get_order, runtime.engine, user, order_id))


@router.delete(
    "/{order_id}", response_model=OrderOut, responses=error_responses(401, 403, 404, 409)
)
async def cancel_order(order_id: str, user: SignedInUser, runtime: RuntimeDep) -> OrderOut:
    order = await in_thread(service.cancel_order, runtime.engine, user, order_id)
    return OrderOut.of(order)
