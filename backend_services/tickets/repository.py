"""Reading and writing tickets; every write is conditional on the version read."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend_services.common.events import TicketCreated, TicketUpdated, record
from contracts.rules import plausible_id

from .domain import TicketStatus
from .models import Ticket


class StaleTicket(Exception):
    """The ticket changed between our read and our write."""


def load(session: Session, ticket_id: str) -> Ticket | None:
    """A detached copy: changing it writes nothing until `save_changes`."""
    if not plausible_id(ticket_id):
        return None
    ticket = session.exec(select(Ticket).where(Ticket.id == ticket_id)).first()
    if ticket is not None:
        session.expunge(ticket)
    return ticket


def add(session: Session, ticket: Ticket) -> None:
    session.add(ticket)
    session.flush()
    record(
        session,
        TicketCreated(
            id=ticket.id,
            version=ticket.version,
            title=ticket.title,
            price=ticket.price,
            user_id=ticket.user_id,
        ),
    )


def save_changes(session: Session, ticket: Ticket) -> None:
    """Write `ticket` as version + 1 if nobody else wrote since it was read."""
    read_version = ticket.version
    result = session.execute(
        sa.update(Ticket)
        .where(col(Ticket.id) == ticket.id, col(Ticket.version) == read_version)
        .values(
            title=ticket.title,
            price=ticket.price,
            order_id=ticket.order_id,
            status=ticket.status,
            version=read_version + 1,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleTicket(ticket.id)
    ticket.version = read_version + 1
    record(
        session,
        TicketUpdated(
            id=ticket.id,
            version=ticket.version,
            title=ticket.title,
            price=ticket.price,
            user_id=ticket.user_id,
            order_id=ticket.order_id,
            status=TicketStatus(ticket.status).value,
        ),
    )
