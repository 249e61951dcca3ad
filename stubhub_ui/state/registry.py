"""The live-view registry: each view kind -> the state that shows it.

Its event predicate is `views.PREDICATES[kind]` (pure, so unit-tested without Reflex);
`live.py` decides with `views.affects` and refreshes through this table. Nothing else
matches view strings.
"""

from __future__ import annotations

from ..views import PREDICATES, ViewKind
from .events import EventsState, EventState
from .home import HomeState
from .orders import OrdersState, OrderState
from .session import SessionState
from .tickets import MineState, TicketState

LIVE_STATES: dict[ViewKind, type[SessionState]] = {
    ViewKind.HOME: HomeState,
    ViewKind.TICKET: TicketState,
    ViewKind.MINE: MineState,
    ViewKind.ORDERS: OrdersState,
    ViewKind.ORDER: OrderState,
    ViewKind.EVENTS: EventsState,
    ViewKind.EVENT: EventState,
}

# Every kind has a state and a predicate (a missing one would silently never refresh).
if not set(LIVE_STATES) == set(PREDICATES) == set(ViewKind):
    raise RuntimeError("every live view kind needs a state and a predicate")
