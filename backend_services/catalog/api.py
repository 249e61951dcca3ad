from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend_services.common.clock import utcnow
from backend_services.common.errors import error_responses
from backend_services.common.runtime import Runtime, request_runtime
from backend_services.common.sessions import SignedInUser
from backend_services.common.threads import in_thread

from . import service
from .models import CatalogEvent
from .schemas import EventIn, EventOut, EventQuery
from .settings import CatalogSettings

router = APIRouter(tags=["events"])
RuntimeDep = Annotated[Runtime[CatalogSettings, None], Depends(request_runtime)]


def _out(event: CatalogEvent) -> EventOut:
    return EventOut.model_validate(event, from_attributes=True)


@router.post("", status_code=201, response_model=EventOut, responses=error_responses(400, 401, 409))
async def create_event(body: EventIn, user: SignedInUser, runtime: RuntimeDep) -> EventOut:
    return _out(await in_thread(service.create_event, runtime.engine, user, body))


@router.get("", response_model=list[EventOut], responses=error_responses(400))
async def list_events(query: Annotated[EventQuery, Query()], runtime: RuntimeDep) -> list[EventOut]:
    """Upcoming events by start time; `from`/`to` take a day (UTC) or a time."""
    events = await in_thread(service.list_upcoming, runtime.engine, query, utcnow())
    return [_out(e) for e in events]


@router.get("/{event_id}", response_model=EventOut, responses=error_responses(404))
async def show_event(event_id: str, runtime: RuntimeDep) -> EventOut:
    return _out(await in_thread(service.get_event, runtime.engine, event_id))
