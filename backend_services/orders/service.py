"""Buyer use cases, independent of HTTP."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend_services.common import group_commit
from backend_services.common.clock import utcnow
from backend_services.common.db import reading, transaction
from backend_services.common.errors import BadRequest, Conflict, NotFound, owned
from backend_services.common.sessions import CurrentUser
from contracts.rules import plausible_id

from . import domain, lifecycle
from .domain import OrderStatus
from .models import HOLDING_ITEM_SQL, Order, OrderItem, OrderTicket
from .recent import RecentHolds

ORDER_NOT_FOUND = "Order not found"

# Each ticket's seller and its holding order's status, if any (through the partial
# unique index). Built once: SQLAlchemy memoizes a statement's cache key on the
# object, so a reused statement skips building and hashing it on every attempt.
_HOLDER = (
    sa.select(col(Order.status))
    .join(OrderItem, col(OrderItem.order_id) == col(Order.id))
    .where(col(OrderItem.ticket_id) == col(OrderTicket.id), HOLDING_ITEM_SQL)
    .limit(1)
    .scalar_subquery()
)
_SEEN_QUERY = sa.select(col(OrderTicket.id), col(OrderTicket.user_id), _HOLDER).where(
    col(OrderTicket.id).in_(sa.bindparam("ticket_ids", expanding=True))
)
# What a new order's items copy from each ticket's replica.
_OFFERED_QUERY = sa.select(
    col(OrderTicket.id), col(OrderTicket.user_id), col(OrderTicket.title), col(OrderTicket.price)
).where(col(OrderTicket.id).in_(sa.bindparam("ticket_ids", expanding=True)))


class HoldRefused(Conflict):
    """A 409 on placing an order, with why (for the hold-outcome metric)."""

    def __init__(self, message: str, outcome: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.outcome = outcome


@dataclass(frozen=True)
class Wanted:
    """What a buyer asks to hold: these tickets, named by `field` of the request."""

    buyer: CurrentUser
    ticket_ids: list[str]
    field: str = "ticketIds"


def place_order(engine: Engine, wanted: Wanted, terms: domain.Terms, recent: RecentHolds) -> Order:
    """Hold all of these tickets for the buyer, or none of them.

    Most attempts in an on-sale rush are for a ticket already held: a read (no write
    lock on SQLite) answers those. One that sees no hold goes on to `hold`, where the
    database picks one winner among any number of concurrent racers.
    """
    refuse_if_held(engine, wanted, recent)
    return hold(engine, wanted, terms, recent)


def refuse_if_recently_held(recent: RecentHolds, wanted: Wanted, ttls: float = 1) -> None:
    """The 400 or 409 `refuse_if_held` gave a moment ago (within `ttls` times the
    time-to-live), when every ticket asked for was then held; otherwise nothing (ask the
    database). Pure memory: for the event loop."""
    seen = recent.held(wanted.ticket_ids, ttls)
    if seen is not None:
        _refuse(domain.ticket_refusal(wanted.ticket_ids, seen, wanted.buyer.id), wanted.field)


def refuse_if_held(engine: Engine, wanted: Wanted, recent: RecentHolds) -> None:
    """404, 400 or 409 as of the last commit, without taking a lock; None: try `hold`.

    One Core statement (each ticket's seller and its holding order's status, through the
    partial unique index): no ORM objects on the path most attempts take. What it sees
    of held tickets is kept in `recent` for the next attempts.
    """
    buyer, ticket_ids, field = wanted.buyer, wanted.ticket_ids, wanted.field
    if not all(plausible_id(t) for t in ticket_ids):
        _refuse(domain.Refusal.UNKNOWN, field)
    token = recent.before_read()
    with reading(engine) as connection:
        rows = connection.execute(_SEEN_QUERY, {"ticket_ids": ticket_ids}).all()
    seen = {
        ticket_id: domain.Seen(seller, OrderStatus(status) if status else None)
        for ticket_id, seller, status in rows
    }
    recent.keep(token, seen)
    _refuse(domain.ticket_refusal(ticket_ids, seen, buyer.id), field)


def hold(engine: Engine, wanted: Wanted, terms: domain.Terms, recent: RecentHolds) -> Order:
    """The write: the unique index on holding items lets exactly one racer per ticket
    commit, and a loser's every item rolls back (its savepoint, with `group_commit` on
    SQLite, or its transaction); the buyer's own holds are counted and the new order
    inserted as one step (fair use)."""
    token = recent.before_read()
    try:
        order, sellers = group_commit.write(engine, lambda s: _open(s, wanted, terms))
    except IntegrityError:
        # Held by an order committed after `refuse_if_held` read: a fresh, unpaid hold.
        raise _held(domain.Refusal.RESERVED, wanted.field) from None
    recent.keep(token, {t: domain.Seen(s, OrderStatus.CREATED) for t, s in sellers.items()})
    return order


def _open(session: Session, wanted: Wanted, terms: domain.Terms) -> tuple[Order, dict[str, str]]:
    """The new order, and each ticket's seller by ticket id. Core statements, no unit of
    work: on SQLite every writer waits for this, so its time is the rush's opening queue."""
    buyer, ticket_ids, field = wanted.buyer, wanted.ticket_ids, wanted.field
    tickets = _check_tickets(session, buyer, ticket_ids, field)
    lifecycle.lock_buyer(session, buyer.id)  # counted and inserted as one step
    holds, released = lifecycle.fair_use_facts(session, buyer.id, ticket_ids)
    refusal = domain.hold_refusal(holds, released, utcnow(), terms.fair_use)
    if refusal is not None:
        raise HoldRefused(refusal, outcome="fair_use")
    order = Order(
        user_id=buyer.id,
        expires_at=domain.expires_at(utcnow(), terms.window_seconds),
        fee=domain.totals([t.price for t in tickets], terms.fees).fee,
    )
    items = [
        OrderItem(order_id=order.id, ticket_id=t.id, position=n, title=t.title, price=t.price)
        for n, t in enumerate(tickets)
    ]
    lifecycle.open_order(session, order, items)
    return order, {t.id: t.user_id for t in tickets}


def _refuse(refusal: domain.Refusal | None, field: str) -> None:
    if refusal is domain.Refusal.UNKNOWN:
        raise NotFound(refusal.value)
    if refusal is domain.Refusal.OWN:
        raise BadRequest(refusal.value, field=field)
    if refusal is not None:
        raise _held(refusal, field)


def _held(refusal: domain.Refusal, field: str) -> HoldRefused:
    """A 409 for a ticket held by another order; its outcome (for the metric) is
    `reserved` or `sold`."""
    outcome = "sold" if refusal is domain.Refusal.SOLD else "reserved"
    return HoldRefused(refusal.value, outcome=outcome, field=field)


def _check_tickets(
    session: Session, buyer: CurrentUser, ticket_ids: list[str], field: str
) -> list[sa.Row[str, str, str, int]]:
    """The replicas of the requested tickets, in the buyer's order (404 or 400 else)."""
    found = session.connection().execute(_OFFERED_QUERY, {"ticket_ids": ticket_ids}).all()
    by_id = {t.id: t for t in found}
    seen = {t.id: domain.Seen(t.user_id) for t in found}
    _refuse(domain.ticket_refusal(ticket_ids, seen, buyer.id), field)
    return [by_id[ticket_id] for ticket_id in ticket_ids]


def list_orders(engine: Engine, buyer: CurrentUser) -> list[Order]:
    query = (
        select(Order)
        .where(Order.user_id == buyer.id)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc())
    )
    with Session(engine) as session:
        return list(session.exec(query).all())


def _own(order: Order | None, buyer: CurrentUser) -> Order:
    return owned(order, buyer.id, ORDER_NOT_FOUND, "This order belongs to someone else")


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
