"""`/events` (search the catalog) and `/events/[event_id]` (its seats, bought together)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import reflex as rx

from ..catalog import EventView, SeatGroup, event_query, group_tickets, pick
from ..views import View, ViewKind
from .fetch import FetchCache
from .loading import Loads, LoadsOne
from .orders import place_order
from .session import SessionState

EVENTS_PAGE = 50


class EventsState(Loads, SessionState):
    events: list[EventView] = []
    q: str = ""
    city: str = ""
    date_from: str = ""
    date_to: str = ""
    search_errors: dict[str, str] = {}

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        params, errors = event_query(self.q, self.city, self.date_from, self.date_to)
        self.search_errors = errors
        if errors:
            self.loading = False
            return
        resp = await self._get(
            "/api/events", cache, private=False, params={**params, "limit": EVENTS_PAGE}
        )
        self.loading = False
        if not resp.ok or not isinstance(resp.body, list):
            self.error = resp.message()
            return
        self.error = ""
        self.events = [EventView.from_api(e) for e in resp.body if isinstance(e, dict)]

    @rx.event
    async def load(self):
        await self._ensure_session(View(ViewKind.EVENTS))
        params = self.router.url.query_parameters
        self.q = str(params.get("q", self.q))[:200]
        self.city = str(params.get("city", self.city))[:200]
        self.date_from = str(params.get("from", self.date_from))[:20]
        self.date_to = str(params.get("to", self.date_to))[:20]
        await self._reload(self.events)

    @rx.event
    async def submit_search(self, form: dict[str, Any]):
        self.q = str(form.get("q") or "")[:200]
        self.city = str(form.get("city") or "")[:200]
        self.date_from = str(form.get("from") or "")[:20]
        self.date_to = str(form.get("to") or "")[:20]
        self.loading = True
        yield
        await self._fetch()

    @rx.event
    async def clear_search(self):
        self.q = self.city = self.date_from = self.date_to = ""
        self.loading = True
        yield
        await self._fetch()


class EventState(LoadsOne, SessionState):
    event: EventView = EventView()
    groups: list[SeatGroup] = []
    on_sale: int = 0
    # The quantity chosen per group (by key), as the picker's string value.
    quantities: dict[str, str] = {}
    buying_key: str = ""
    # Why the last purchase attempt failed, as the service said it.
    buy_error: str = ""

    _event_id: str = ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        quoted = quote(self._event_id, safe="")
        event, tickets = await asyncio.gather(
            self._get(f"/api/events/{quoted}", cache, private=False),
            self._get(
                "/api/tickets",
                cache,
                private=False,
                params={"eventId": self._event_id, "limit": 100, "sort": "price_asc"},
            ),
        )
        found = self._found(event)
        if found is None:
            return
        self.event = EventView.from_api(found)
        if tickets.ok and isinstance(tickets.body, list):
            # Only this event's tickets, whatever the service made of the filter.
            rows = [
                t
                for t in tickets.body
                if isinstance(t, dict) and t.get("eventId") == self._event_id
            ]
            self.groups = group_tickets(rows, self.user_id)
            self.on_sale = sum(g.count for g in self.groups if not g.mine)
        else:
            self.error = tickets.message()

    @rx.event
    async def load(self):
        self._event_id = await self._open_one(ViewKind.EVENT)
        if self._another(self.event.id, self._event_id):
            self.event = EventView()
            self.groups = []
            self.quantities = {}
        self.buy_error = self.buying_key = ""
        await self._fetch()

    @rx.event
    def set_quantity(self, key: str, value: str):
        self.quantities = {**self.quantities, key: str(value)}

    def _group(self, key: str) -> SeatGroup | None:
        return next((g for g in self.groups if g.key == key), None)

    @rx.event
    async def buy(self, key: str):
        if self.buying_key:
            return
        if not self.user_id:
            yield rx.redirect(self.signin_href)
            return
        group = self._group(key)
        quantity = int(self.quantities.get(key, "1") or "1")
        ids = pick(group, quantity) if group is not None else []
        if not ids:
            self.buy_error = "These seats are no longer on sale."
            await self._fetch()
            return
        self.buying_key, self.buy_error = key, ""
        yield
        resp = await place_order(self, ids)
        self.buying_key = ""
        if resp.status == 201 and isinstance(resp.body, dict):
            yield rx.toast.success("Seats reserved. Complete your payment before the hold ends.")
            yield rx.redirect(f"/orders/{resp.body.get('id')}")
            return
        if resp.status == 401:
            self.buy_error = "Please sign in again to buy these seats."
        elif resp.status == 409:
            self.buy_error = "Sorry, someone else just reserved some of these seats."
        else:
            self.buy_error = resp.message()
        await self._fetch()
