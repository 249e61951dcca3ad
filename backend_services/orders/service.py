"""Buyer use cases, independent of HTTP."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend_services.common.clock import utcnow
from backend_services.common.db import transaction
from backend_services.common.errors import BadRequest, Conflict, Forbidden, NotFound
from backend_services.common.sessions import CurrentUser
from contracts.rules import plausible_id

from . import domain, lifecycle
from .domain import OrderStatus
from .models import Order, OrderTicket

ORDER_NOT_FOUND = "Order not found"


def place_order(
    engine: Engine,
    buyer: CurrentUser,
    ticket_id: str,
    window_seconds: int,
    fair_use: domain.FairUse,
) -> Order:
    try:
        with transaction(engine) as session:
            ticket = session.get(OrderTicket, ticket_id) if plausible_id(ticket_id) else None
            if ticket is None:
                raise NotFound("Ticket not found")
            if ticket.user_id == buyer.id:
                raise BadRequest("You cannot buy your own ticket", field="ticketId")
            lifecycle.lock_buyer(session, buyer.id)  # counted and inserted as one step
            refusal = domain.hold_refusal(
                lifecycle.active_holds(session, buyer.id),
                lifecycle.last_release(session, buyer.id, ticket.id),
                utcnow(),
                fair_use,
            )
            if refusal is not None:
                raise Conflict(refusal)
            order = Order(
                user_id=buyer.id,
                ticket_id=ticket.id,
                ticket_title=ticket.title,
                ticket_price=ticket.price,
                expires_at=domain.expires_at(utcnow(), window_seconds),
            )
            lifecycle.open_order(session, order)
    except IntegrityError:
        raise Conflict(_held_message(engine, ticket_id), field="ticketId") from None
    return order


def _held_message(engine: Engine, ticket_id: str) -> str:
    with Session(engine) as session:
        sold = session.exec(
            select(Order.id).where(
                Order.ticket_id == ticket_id, Order.status == OrderStatus.COMPLETE.value
            )
        ).first()
    return "Ticket has already been sold" if sold else "Ticket is already reserved"


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
