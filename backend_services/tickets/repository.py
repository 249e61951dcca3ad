"""Reading and writing tickets; every write is conditional on the version read."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend_services.common.events import TicketCreated, TicketUpdated, record
from contracts.rules import plausible_id

from .domain import TicketStatus
from .models import Ticket


class StaleTicket(Exception):
    """The ticket changed between our read and our write."""


def load(session: Session, ticket_id: str, lock: bool = False) -> Ticket | None:
    """A detached copy: changing it writes nothing until `save_changes`.

    `lock`: hold the row until the transaction ends (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers), so the write cannot go stale.
    """
    if not plausible_id(ticket_id):
        return None
    query = select(Ticket).where(Ticket.id == ticket_id)
    ticket = session.exec(query.with_for_update() if lock else query).first()
    if ticket is not None:
        session.expunge(ticket)
    return ticket


def add(session: Session, ticket: Ticket) -> None:
    session.add(ticket)
    session.flush()
    record(session, TicketCreated(**_payload(ticket)))


def save_changes(session: Session, ticket: Ticket) -> None:
    """Write `ticket` as version + 1 if nobody else wrote since it was read."""
    read_version = ticket.version
    result = session.execute(
        sa.update(Ticket)
        .where(col(Ticket.id) == ticket.id, col(Ticket.version) == read_version)
        .values(
            title=ticket.title,
            price=ticket.price,
            all_in_price=ticket.all_in_price,
            order_id=ticket.order_id,
            status=ticket.status,
            file_key=ticket.file_key,
            version=read_version + 1,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleTicket(ticket.id)
    ticket.version = read_version + 1
    record(
        session,
        TicketUpdated(
            **_payload(ticket),
            order_id=ticket.order_id,
            status=TicketStatus(ticket.status).value,
        ),
    )


def _payload(ticket: Ticket) -> dict[str, Any]:
    """The fields `ticket.created` and `ticket.updated` share."""
    return {
        "id": ticket.id,
        "version": ticket.version,
        "title": ticket.title,
        "price": ticket.price,
        "user_id": ticket.user_id,
        "event_id": ticket.event_id,
        "all_in_price": ticket.all_in_price,
        "section": ticket.section,
        "row": ticket.row,
        "seat": ticket.seat,
        "listing_id": ticket.listing_id,
        "has_file": ticket.has_file,
    }
