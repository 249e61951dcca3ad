"""Listing use cases, independent of HTTP."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from backend_services.common.db import transaction
from backend_services.common.errors import Conflict, NotFound, owned
from backend_services.common.sessions import CurrentUser

from . import repository, shows
from .domain import Fees, SeatRef, TicketStatus, edit_blocker
from .models import Ticket

Sort = Literal["newest", "price_asc", "price_desc"]
STALE_MESSAGE = "Ticket was changed by someone else; reload and try again"

_ORDERING: dict[str, tuple[Any, ...]] = {
    "newest": (col(Ticket.created_at).desc(), col(Ticket.id)),
    "price_asc": (col(Ticket.price).asc(), col(Ticket.created_at).desc(), col(Ticket.id)),
    "price_desc": (col(Ticket.price).desc(), col(Ticket.created_at).desc(), col(Ticket.id)),
}


def create_ticket(
    engine: Engine,
    fees: Fees,
    seller: CurrentUser,
    title: str,
    price: int,
    event_id: str | None = None,
    seat: SeatRef = SeatRef(None, None, None),
) -> Ticket:
    ticket = Ticket(
        title=title,
        price=price,
        all_in_price=fees.all_in(price),
        user_id=seller.id,
        event_id=event_id,
        section=seat.section,
        row=seat.row,
        seat=seat.seat,
    )
    with transaction(engine) as session:
        if event_id is not None:
            shows.upcoming(session, event_id)
        repository.add(session, ticket)
    return ticket


def list_available(
    engine: Engine,
    q: str | None,
    sort: Sort,
    limit: int,
    offset: int,
    event_id: str | None = None,
) -> list[Ticket]:
    query = select(Ticket).where(Ticket.status == TicketStatus.AVAILABLE.value)
    if q:
        query = query.where(func.lower(Ticket.title).contains(q.lower(), autoescape=True))
    if event_id is not None:
        query = query.where(Ticket.event_id == event_id)
    query = query.order_by(*_ORDERING[sort]).limit(limit).offset(offset)
    with Session(engine) as session:
        return list(session.exec(query).all())


def list_mine(engine: Engine, seller: CurrentUser) -> list[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.user_id == seller.id)
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id))
    )
    with Session(engine) as session:
        return list(session.exec(query).all())


def get_ticket(engine: Engine, ticket_id: str) -> Ticket:
    with Session(engine) as session:
        ticket = repository.load(session, ticket_id)
    if ticket is None:
        raise NotFound("Ticket not found")
    return ticket


def update_ticket(
    engine: Engine,
    fees: Fees,
    seller: CurrentUser,
    ticket_id: str,
    title: str,
    price: int,
    read_version: int | None = None,
) -> Ticket:
    with transaction(engine) as session:
        # Ownership before anything that would reveal the ticket's state.
        ticket = owned(
            repository.load(session, ticket_id),
            seller.id,
            "Ticket not found",
            "You can only edit your own tickets",
        )
        blocker = edit_blocker(TicketStatus(ticket.status))
        if blocker:
            raise Conflict(blocker)
        if read_version is not None and read_version != ticket.version:
            raise Conflict(STALE_MESSAGE, field="version")
        ticket.title, ticket.price, ticket.all_in_price = title, price, fees.all_in(price)
        try:
            repository.save_changes(session, ticket)
        except repository.StaleTicket:
            raise Conflict(STALE_MESSAGE, field="version") from None
    return ticket
