"""Buyer use cases, independent of HTTP."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend_services.common.clock import utcnow
from backend_services.common.db import reading, transaction
from backend_services.common.errors import BadRequest, Conflict, Forbidden, NotFound
from backend_services.common.sessions import CurrentUser
from contracts.rules import plausible_id

from . import domain, lifecycle
from .domain import OrderStatus
from .models import HOLDING_SQL, Order, OrderTicket

ORDER_NOT_FOUND = "Order not found"


class HoldRefused(Conflict):
    """A 409 on placing an order, with why (for the hold-outcome metric)."""

    def __init__(self, message: str, outcome: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.outcome = outcome


def place_order(
    engine: Engine,
    buyer: CurrentUser,
    ticket_id: str,
    window_seconds: int,
    fair_use: domain.FairUse,
) -> Order:
    """Hold the ticket for the buyer.

    Most attempts in an on-sale rush are for a ticket already held: a read (no write
    lock on SQLite) answers those. One that sees no hold goes on to `hold`, where the
    database picks one winner among any number of concurrent racers.
    """
    refuse_if_held(engine, buyer, ticket_id)
    return hold(engine, buyer, ticket_id, window_seconds, fair_use)


def refuse_if_held(engine: Engine, buyer: CurrentUser, ticket_id: str) -> None:
    """404, 400 or 409 as of the last commit, without taking a lock; None: try `hold`.

    One Core statement (the ticket's seller and its holding order's status, through the
    partial unique index): no ORM objects on the path most attempts take.
    """
    if not plausible_id(ticket_id):
        raise NotFound("Ticket not found")
    holder = (
        sa.select(col(Order.status)).where(col(Order.ticket_id) == ticket_id, HOLDING_SQL).limit(1)
    ).scalar_subquery()
    seen = sa.select(col(OrderTicket.user_id), holder).where(col(OrderTicket.id) == ticket_id)
    with reading(engine) as session:
        row = session.connection().execute(seen).first()
    if row is None:
        raise NotFound("Ticket not found")
    seller, status = row
    if seller == buyer.id:
        raise BadRequest("You cannot buy your own ticket", field="ticketId")
    if status is not None:
        raise _held(OrderStatus(status))


def hold(
    engine: Engine,
    buyer: CurrentUser,
    ticket_id: str,
    window_seconds: int,
    fair_use: domain.FairUse,
) -> Order:
    """The write: the unique index on holding orders lets exactly one racer commit; the
    buyer's own holds are counted and the new one inserted as one step (fair use)."""
    try:
        with transaction(engine) as session:
            ticket = _check_ticket(session, buyer, ticket_id)
            lifecycle.lock_buyer(session, buyer.id)  # counted and inserted as one step
            refusal = domain.hold_refusal(
                lifecycle.active_holds(session, buyer.id),
                lifecycle.last_release(session, buyer.id, ticket.id),
                utcnow(),
                fair_use,
            )
            if refusal is not None:
                raise HoldRefused(refusal, outcome="fair_use")
            order = Order(
                user_id=buyer.id,
                ticket_id=ticket.id,
                ticket_title=ticket.title,
                ticket_price=ticket.price,
                expires_at=domain.expires_at(utcnow(), window_seconds),
            )
            lifecycle.open_order(session, order)
    except IntegrityError:
        # Held by an order committed after `refuse_if_held` read: a fresh, unpaid hold.
        raise _held(OrderStatus.CREATED) from None
    return order


_HELD = {
    OrderStatus.CREATED: ("Ticket is already reserved", "reserved"),
    OrderStatus.COMPLETE: ("Ticket has already been sold", "sold"),
}


def _held(status: OrderStatus) -> HoldRefused:
    message, outcome = _HELD[status]
    return HoldRefused(message, outcome=outcome, field="ticketId")


def _check_ticket(session: Session, buyer: CurrentUser, ticket_id: str) -> OrderTicket:
    ticket = session.get(OrderTicket, ticket_id) if plausible_id(ticket_id) else None
    if ticket is None:
        raise NotFound("Ticket not found")
    if ticket.user_id == buyer.id:
        raise BadRequest("You cannot buy your own ticket", field="ticketId")
    return ticket


def list_orders(engine: Engine, buyer: CurrentUser) -> list[Order]:
    query = (
        select(Order)
        .where(Order.user_id == buyer.id)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
    )
    with Session(engine) as session:
        return list(session.exec(query).all())


def _own(order: Order | None, buyer: CurrentUser) -> Order:
    if order is None:
        raise NotFound(ORDER_NOT_FOUND)
    if order.user_id != buyer.id:
        raise Forbidden("This order belongs to someone else")
    return order


def get_order(engine: Engine, buyer: CurrentUser, order_id: str) -> Order:
    with Session(engine) as session:
        order = session.get(Order, order_id) if plausible_id(order_id) else None
    return _own(order, buyer)


def cancel_order(engine: Engine, buyer: CurrentUser, order_id: str) -> Order:
    with transaction(engine) as session:
        order = _own(lifecycle.lock(session, order_id), buyer)
        try:
            changes = domain.cancels(OrderStatus(order.status))
        except domain.OrderIsComplete:
            raise Conflict("Order is complete and cannot be cancelled") from None
        if changes:
            lifecycle.cancel(session, order)
    return order
