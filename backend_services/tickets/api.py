from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend_services.common.errors import BadRequest, error_responses
from backend_services.common.runtime import request_runtime
from backend_services.common.sessions import SignedInUser
from backend_services.common.threads import in_thread
from contracts.rules import hostile_char, plausible_id

from . import service
from .deps import TicketsRuntime
from .models import Ticket
from .schemas import EVENT_ID_MESSAGE, TicketIn, TicketOut, TicketUpdateIn

router = APIRouter(tags=["tickets"])
RuntimeDep = Annotated[TicketsRuntime, Depends(request_runtime)]


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut.model_validate(ticket, from_attributes=True)


@router.post("", status_code=201, response_model=TicketOut, responses=error_responses(400, 401))
async def create_ticket(body: TicketIn, user: SignedInUser, runtime: RuntimeDep) -> TicketOut:
    ticket = await in_thread(
        service.create_ticket,
        runtime.engine,
        runtime.settings.fees,
        user,
        body.title,
        body.price,
        body.event_id,
        body.ref(),
    )
    return ticket_out(ticket)


@router.get("", response_model=list[TicketOut], responses=error_responses(400))
async def list_tickets(
    runtime: RuntimeDep,
    q: Annotated[str | None, Query(max_length=120)] = None,
    sort: service.Sort = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    event_id: Annotated[str | None, Query(alias="eventId", max_length=64)] = None,
) -> list[TicketOut]:
    if q is not None and hostile_char(q) is not None:
        raise BadRequest("Search text must not contain NUL or invisible characters", field="q")
    if event_id is not None and not plausible_id(event_id):
        raise BadRequest(EVENT_ID_MESSAGE, field="eventId")
    tickets = await in_thread(
        service.list_available, runtime.engine, q and q.strip(), sort, limit, offset, event_id
    )
    return [ticket_out(t) for t in tickets]


@router.get("/mine", response_model=list[TicketOut], responses=error_responses(401))
async def my_tickets(user: SignedInUser, runtime: RuntimeDep) -> list[TicketOut]:
    return [ticket_out(t) for t in await in_thread(service.list_mine, runtime.engine, user)]


@router.get("/{ticket_id}", response_model=TicketOut, responses=error_responses(404))
async def show_ticket(ticket_id: str, runtime: RuntimeDep) -> TicketOut:
    return ticket_out(await in_thread(service.get_ticket, runtime.engine, ticket_id))


@router.put(
    "/{ticket_id}", response_model=TicketOut, responses=error_responses(400, 401, 403, 404, 409)
)
async def update_ticket(
    ticket_id: str, body: TicketUpdateIn, user: SignedInUser, runtime: RuntimeDep
) -> TicketOut:
    ticket = await in_thread(
        service.update_ticket,
        runtime.engine,
        runtime.settings.fees,
        user,
        ticket_id,
        body.title,
        body.price,
        body.version,
    )
    return ticket_out(ticket)
