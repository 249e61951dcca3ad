"""Live views: which page a tab is on, what an event batch changed, and which pages that affects.

Pure (no Reflex): `state/registry.py` pairs each view kind with the state that refreshes it,
`live.py` consumes the events. A view is stored in a tab's state as a string, `kind` or
`kind:key` (`home`, `ticket:<id>`, `mine`, `orders`, `order:<id>`, `events`, `event:<id>`);
"" is a page that no event changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contracts.events import Subject


class ViewKind(StrEnum):
    HOME = "home"
    TICKET = "ticket"
    MINE = "mine"
    ORDERS = "orders"
    ORDER = "order"
    EVENTS = "events"
    EVENT = "event"


@dataclass(frozen=True)
class View:
    kind: ViewKind | None = None
    key: str = ""

    def __str__(self) -> str:
        if self.kind is None:
            return ""
        return f"{self.kind}:{self.key}" if self.key else str(self.kind)

    @classmethod
    def parse(cls, text: str) -> View:
        kind, _, key = (text or "").partition(":")
        try:
            return cls(ViewKind(kind), key)
        except ValueError:
            return cls()


NO_VIEW = View()

# The subjects that change what a page shows, by the ids they carry.
TICKET_SUBJECTS = frozenset({Subject.TICKET_CREATED, Subject.TICKET_UPDATED})
ORDER_SUBJECTS = frozenset(
    {
        Subject.ORDER_CREATED,
        Subject.ORDER_CANCELLED,
        Subject.ORDER_COMPLETED,
        Subject.ORDER_PAYMENT_REJECTED,
    }
)
# Payments v2: an order page follows its payment (authorized, captured, voided).
PAYMENT_SUBJECTS = frozenset(
    {Subject.PAYMENT_AUTHORIZED, Subject.PAYMENT_CAPTURED, Subject.PAYMENT_VOIDED}
)
EVENT_SUBJECTS = frozenset({Subject.EVENT_CREATED, Subject.EVENT_UPDATED})
LIVE_SUBJECTS = TICKET_SUBJECTS | ORDER_SUBJECTS | PAYMENT_SUBJECTS | EVENT_SUBJECTS
# Not a NATS subject: live.py's own "look at the catalog again" for these events,
# once the catalog has had time to count a ticket change (`{"ids": [...]}`).
CATALOG_RECHECK = "_catalog.recheck"


@dataclass
class Changes:
    """What one batch of events changed. `full`: refresh every open page (after a reconnect)."""

    full: bool = False
    tickets: set[str] = field(default_factory=set)
    ticket_owners: set[str] = field(default_factory=set)
    orders: set[str] = field(default_factory=set)
    order_users: set[str] = field(default_factory=set)
    # Catalog events whose details or availability may have changed.
    events: set[str] = field(default_factory=set)
    # Of those, the ones changed through their tickets: the catalog's count lags.
    event_tickets: set[str] = field(default_factory=set)
    # Orders with a sold ticket that changed (its e-ticket arrived): the buyer's download.
    delivered: set[str] = field(default_factory=set)

    def add(self, subject: str, data: dict[str, Any]) -> None:
        if subject in TICKET_SUBJECTS:
            _add_id(self.tickets, data.get("id"))
            _add_id(self.ticket_owners, data.get("userId"))
            _add_id(self.events, data.get("eventId"))
            _add_id(self.event_tickets, data.get("eventId"))
            if data.get("status") == "sold":
                _add_id(self.delivered, data.get("orderId"))
        elif subject in EVENT_SUBJECTS:
            _add_id(self.events, data.get("id"))
        elif subject == CATALOG_RECHECK:
            for event_id in data.get("ids") or ():
                _add_id(self.events, event_id)
        elif subject in ORDER_SUBJECTS:
            _add_id(self.orders, data.get("id"))
            _add_id(self.order_users, data.get("userId"))
        elif subject in PAYMENT_SUBJECTS:
            _add_id(self.orders, data.get("orderId"))

    def __bool__(self) -> bool:
        return self.full or bool(self.tickets or self.orders or self.events)

    def recheck(self) -> dict[str, Any] | None:
        """The `CATALOG_RECHECK` payload to send once the catalog has counted these
        ticket changes, or None when no event's availability changed."""
        return {"ids": sorted(self.event_tickets)} if self.event_tickets else None


def _add_id(ids: set[str], value: Any) -> None:
    if value:
        ids.add(str(value))


# (view key, the tab's user id, changes, ids the page lists or None when not known yet)
Predicate = Callable[[str, str, Changes, Collection[str] | None], bool]


def _home(key: str, user_id: str, ch: Changes, listed: Collection[str] | None) -> bool:
    # The ticket list, and the upcoming events above it.
    return bool(ch.tickets or ch.events)


def _events(key: str, user_id: str, ch: Changes, listed: Collection[str] | None) -> bool:
    # A new event may match the search; a listed one may have changed.
    return bool(ch.events)


def _event(key: str, user_id: str, ch: Changes, listed: Collection[str] | None) -> bool:
    return key in ch.events


def _ticket(key: str, user_id: str, ch: Changes, listed: Collection[str] | None) -> bool:
    return key in ch.tickets


def _mine(key: str, user_id: str, ch: Changes, listed: Collection[str] | None) -> bool:
    return bool(user_id) and user_id in ch.ticket_owners


def _orders(key: str, user_id: str, ch: Changes, listed: Collection[str] | None) -> bool:
    if not user_id or not ch.orders:
        return False
    if listed is None:  # the page's list is not loaded yet: maybe
        return True
    return user_id in ch.order_users or any(order_id in ch.orders for order_id in listed)


def _order(key: str, user_id: str, ch: Changes, listed: Collection[str] | None) -> bool:
    # The refresh uses the tab's own cookie, so only the buyer gets to see the order.
    return bool(user_id) and (key in ch.orders or key in ch.delivered)


PREDICATES: dict[ViewKind, Predicate] = {
    ViewKind.HOME: _home,
    ViewKind.TICKET: _ticket,
    ViewKind.MINE: _mine,
    ViewKind.ORDERS: _orders,
    ViewKind.ORDER: _order,
    ViewKind.EVENTS: _events,
    ViewKind.EVENT: _event,
}


def affects(
    view: View, user_id: str, changes: Changes, listed: Collection[str] | None = None
) -> bool:
    """Could `changes` alter the page of a tab on `view` signed in as `user_id` ("": nobody)?

    `listed`: the ids the page shows, where its predicate needs them (the `/orders` list).
    """
    if view.kind is None:
        return False
    if changes.full:
        return True
    return PREDICATES[view.kind](view.key, user_id, changes, listed)
