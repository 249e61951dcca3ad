"""Reflex states, one module per feature: the session, auth, `/`, events, selling, tickets,
orders.

`SessionState` (who is signed in, which live view the tab is on) is the parent of every
page's state; `registry.LIVE_STATES` maps a live view to its state for `live.py`.
"""

from .auth import AuthState, SignoutState
from .events import EventsState, EventState
from .fetch import FetchCache
from .home import HomeState
from .orders import OrdersState, OrderState
from .registry import LIVE_STATES
from .sell import SellSeatsState
from .session import TAB_VIEWS, SessionState
from .tickets import MineState, SellState, TicketState

__all__ = [
    "LIVE_STATES",
    "TAB_VIEWS",
    "AuthState",
    "EventState",
    "EventsState",
    "FetchCache",
    "HomeState",
    "MineState",
    "OrderState",
    "OrdersState",
    "SellSeatsState",
    "SellState",
    "SessionState",
    "SignoutState",
    "TicketState",
]
