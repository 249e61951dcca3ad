"""Listing several seats of one event at one price: one ticket per seat, all or nothing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from backend_services.common.db import transaction
from backend_services.common.errors import BadRequest
from backend_services.common.sessions import CurrentUser
from contracts.rules import TITLE_MAX

from . import repository, shows
from .domain import Fees, SeatRef, listing_title, over_resale_cap, repeated_seat
from .models import Ticket


@dataclass(frozen=True)
class Listing:
    id: str
    event_id: str
    price: int
    all_in_price: int
    tickets: list[Ticket]


def check_terms(price: int, face_value: int | None, cap_percent: int | None) -> None:
    """The resale cap, when set: the price at most `cap_percent` % of the face value."""
    if cap_percent is None:
        return
    if face_value is None:
        raise BadRequest("State the face value: resale prices are capped", field="faceValue")
    if over_resale_cap(price, face_value, cap_percent):
        limit = face_value * cap_percent // 100
        raise BadRequest(
            f"Price may be at most {cap_percent} % of the face value ({limit} cents)",
            field="price",
        )


def create_listing(
    engine: Engine,
    fees: Fees,
    cap_percent: int | None,
    seller: CurrentUser,
    event_id: str,
    price: int,
    seats: Sequence[SeatRef],
    face_value: int | None = None,
) -> Listing:
    twice = repeated_seat(seats)
    if twice is not None:
        raise BadRequest(f"Each seat once: {twice.label() or 'a seat'} is listed twice", "seats")
    check_terms(price, face_value, cap_percent)
    listing = Listing(uuid.uuid4().hex, event_id, price, fees.all_in(price), [])
    with transaction(engine) as session:  # every ticket and its event, or none
        show = shows.upcoming(session, event_id)
        for seat in seats:
            ticket = Ticket(
                title=listing_title(show.name, seat, TITLE_MAX),
                price=price,
                all_in_price=listing.all_in_price,
                user_id=seller.id,
                event_id=event_id,
                section=seat.section,
                row=seat.row,
                seat=seat.seat,
                listing_id=listing.id,
            )
            repository.add(session, ticket)
            listing.tickets.append(ticket)
    return listing
