"""Reflex states, one module per feature: the session, auth, `/`, tickets, orders.

`SessionState` (who is signed in, which live view the tab is on) is the parent of every
page's state; `registry.LIVE_STATES` maps a live view to its state for `live.py`.
"""

from .auth import AuthState, SignoutState
from .fetch import FetchCache
from .home import HomeState
from .orders import OrdersState, OrderState
from .registry import LIVE_STATES
from .session import TAB_VIEWS, SessionState
from .tickets import MineState, SellState, TicketState

__all__ = [
    "LIVE_STATES",
    "TAB_VIEWS",
    "AuthState",
    "FetchCache",
    "HomeState",
    "MineState",
    "OrderState",
    "OrdersState",
    "SellState",
    "SessionState",
    "SignoutState",
    "TicketState",
]
