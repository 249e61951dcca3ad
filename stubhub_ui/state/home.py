"""`/`: upcoming events, then the tickets on sale with this tab's own search, sort and page."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from ..catalog import EventView
from ..models import TicketView
from ..settings import get_settings
from ..views import View, ViewKind
from .fetch import FetchCache
from .loading import Loads
from .session import SessionState

SORTS = ("newest", "price_asc", "price_desc")

# The public list a home tab of this process shows: token -> (q, sort, page), recorded
# by every fetch. live.py refreshes one tab per query and sends the same delta to the
# others (the list is public: no cookie goes with it), so its cost does not grow with
# the number of viewers.
HOME_QUERIES: dict[str, tuple[str, str, int]] = {}
# Tabs whose screen got a list their server-side state does not hold yet (see above);
# a handler that decides from that state catches up first.
BEHIND: set[str] = set()
# The fields a live refresh of the list sets: all public, the same for one query.
LIVE_FIELDS = ("tickets", "has_more", "loading", "error")


class HomeState(Loads, SessionState):
    upcoming: list[EventView] = []
    tickets: list[TicketView] = []
    q: str = ""
    sort: str = "newest"
    page: int = 1
    has_more: bool = False

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        await asyncio.gather(self._fetch_upcoming(cache), self._fetch_tickets(cache))

    async def _fetch_upcoming(self, cache: FetchCache | None) -> None:
        count = get_settings().ui_home_events
        if not count:
            return
        resp = await self._get("/api/events", cache, private=False, params={"limit": count})
        # The events are a lead-in: without the catalog the ticket list still works.
        if resp.ok and isinstance(resp.body, list):
            self.upcoming = [EventView.from_api(e) for e in resp.body if isinstance(e, dict)]

    async def _fetch_tickets(self, cache: FetchCache | None) -> None:
        self._remember_query()
        size = get_settings().ui_page_size
        params: dict[str, Any] = {
            "sort": self.sort,
            "limit": size + 1,
            "offset": (self.page - 1) * size,
        }
        if self.q.strip():
            params["q"] = self.q.strip()
        resp = await self._get("/api/tickets", cache, private=False, params=params)
        if not resp.ok or not isinstance(resp.body, list):
            self.error = resp.message()
            self.loading = False
            return
        items = [TicketView.from_api(t) for t in resp.body if isinstance(t, dict)]
        if not items and self.page > 1:
            # The last ticket of this page went away: step back.
            self.page -= 1
            await self._fetch_tickets(cache)
            return
        self.error = ""
        self.has_more = len(items) > size
        self.tickets = items[:size]
        self.loading = False
        BEHIND.discard(self.router.session.client_token)

    def _remember_query(self) -> None:
        token = self.router.session.client_token
        if token:
            HOME_QUERIES[token] = (self.q.strip(), self.sort, self.page)

    async def _catch_up(self) -> None:
        if self.router.session.client_token in BEHIND:
            await self._fetch()

    @rx.event
    async def load(self):
        await self._ensure_session(View(ViewKind.HOME))
        params = self.router.url.query_parameters
        if "q" in params:
            self.q = params.get("q", "")[:200]
        if params.get("sort") in SORTS:
            self.sort = params["sort"]
        await self._reload(self.tickets)

    @rx.event
    async def search(self, value: str):
        self.q = str(value)[:200]
        self.page = 1
        self.loading = True
        yield
        await self._fetch_tickets(None)

    @rx.event
    async def submit_search(self, form: dict[str, Any]):
        self.q = str(form.get("q") or "")[:200]
        self.page = 1
        self.loading = True
        yield
        await self._fetch_tickets(None)

    @rx.event
    async def set_sort(self, value: str):
        self.sort = value if value in SORTS else "newest"
        self.page = 1
        self.loading = True
        yield
        await self._fetch_tickets(None)

    @rx.event
    async def next_page(self):
        await self._catch_up()  # has_more may be behind what the screen shows
        if not self.has_more:
            return
        self.page += 1
        self.loading = True
        yield
        await self._fetch_tickets(None)

    @rx.event
    async def prev_page(self):
        if self.page <= 1:
            return
        self.page -= 1
        self.loading = True
        yield
        await self._fetch_tickets(None)
