"""`/api/listings`: several seats of one event at one price."""

from __future__ import annotations

from fastapi import APIRouter

from backend_services.common.errors import error_responses
from backend_services.common.sessions import SignedInUser
from backend_services.common.threads import in_thread

from . import listings
from .api import RuntimeDep, ticket_out
from .schemas import ListingIn, ListingOut

router = APIRouter(tags=["listings"])


@router.post("", status_code=201, response_model=ListingOut, responses=error_responses(400, 401))
async def create_listing(body: ListingIn, user: SignedInUser, runtime: RuntimeDep) -> ListingOut:
    settings = runtime.settings
    listing = await in_thread(
        listings.create_listing,
        runtime.engine,
        settings.fees,
        settings.resale_cap_percent,
        user,
        body.event_id,
        body.price,
        [seat.ref() for seat in body.seats],
        body.face_value,
    )
    return ListingOut(
        id=listing.id,
        event_id=listing.event_id,
        price=listing.price,
        all_in_price=listing.all_in_price,
        tickets=[ticket_out(t) for t in listing.tickets],
    )
