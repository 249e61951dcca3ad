"""`/sell`: pick or create the event, then list seats at one price (`POST /api/listings`)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote

import reflex as rx

from contracts.rules import SEATS_PER_LISTING_MAX

from ..catalog import EventView
from ..forms import on_fields
from ..listing import (
    EVENT_FIELDS,
    clamp_seat_count,
    listing_errors,
    preview,
    validate_event,
    validate_listing,
)
from ..settings import get_settings
from .session import SessionState

EVENT_MATCHES = 8
# Tickets learns new events from `event.created`: an event seconds old may not have
# reached it yet, so "unknown event" is retried briefly.
LISTING_RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0)


class SellSeatsState(SessionState):
    event: EventView = EventView()
    event_q: str = ""
    matches: list[EventView] = []
    searching: bool = False
    creating: bool = False
    event_errors: dict[str, str] = {}
    saving_event: bool = False
    seat_count: int = 1
    price_text: str = ""
    errors: dict[str, str] = {}
    submitting: bool = False

    _new_event: dict[str, str] = {}

    @rx.var
    def max_seats(self) -> bool:
        return self.seat_count >= SEATS_PER_LISTING_MAX

    @rx.var
    def seat_rows(self) -> list[int]:
        return list(range(self.seat_count))

    @rx.var
    def buyer_pays(self) -> str:
        s = get_settings()
        return preview(
            self.price_text, self.seat_count, s.buyer_fee_bps, s.buyer_fee_fixed
        ).buyer_pays

    @rx.var
    def totals(self) -> str:
        s = get_settings()
        return preview(self.price_text, self.seat_count, s.buyer_fee_bps, s.buyer_fee_fixed).totals

    @rx.var
    def you_receive(self) -> str:
        s = get_settings()
        shown = preview(self.price_text, self.seat_count, s.buyer_fee_bps, s.buyer_fee_fixed)
        return shown.you_receive

    @rx.event
    async def load(self):
        await self._ensure_session()
        self.errors, self.event_errors = {}, {}
        self.submitting = self.saving_event = self.creating = False
        wanted = str(self.router.url.query_parameters.get("event", ""))
        if wanted and wanted != self.event.id:
            resp = await self._get(f"/api/events/{quote(wanted, safe='')}", private=False)
            if resp.ok and isinstance(resp.body, dict):
                self.event = EventView.from_api(resp.body)
        await self._search()

    async def _search(self) -> None:
        params: dict[str, Any] = {"limit": EVENT_MATCHES}
        if self.event_q.strip():
            params["q"] = self.event_q.strip()[:120]
        resp = await self._get("/api/events", private=False, params=params)
        self.searching = False
        if resp.ok and isinstance(resp.body, list):
            self.matches = [EventView.from_api(e) for e in resp.body if isinstance(e, dict)]

    @rx.event
    async def search_events(self, value: str):
        self.event_q = str(value)[:200]
        self.searching = True
        yield
        await self._search()

    @rx.event
    def choose(self, event_id: str):
        chosen = next((e for e in self.matches if e.id == event_id), None)
        if chosen is not None:
            self.event, self.creating, self.errors = chosen, False, {}

    @rx.event
    def change_event(self):
        self.event = EventView()

    @rx.event
    def toggle_create(self):
        self.creating, self.event_errors = not self.creating, {}

    @rx.event
    def create_event(self, form: dict[str, Any]):
        if self.saving_event:
            return None
        data, errors = validate_event(form)
        self.event_errors = errors
        if errors:
            return None
        self.saving_event, self._new_event = True, data
        # The seller typed a local time: their browser knows its zone and DST rules.
        js = f"new Date({json.dumps(data['startsLocal'])}).toISOString()"
        return rx.call_script(js, callback=SellSeatsState.create_event_at)

    @rx.event
    async def create_event_at(self, starts_at: Any):
        body = {k: v for k, v in self._new_event.items() if k != "startsLocal"}
        resp = await self._api("POST", "/api/events", json={**body, "startsAt": str(starts_at)})
        self.saving_event = False
        if resp.status == 201 and isinstance(resp.body, dict):
            self.event, self.creating = EventView.from_api(resp.body), False
            return rx.toast.success("Event created. Now add your seats.")
        if resp.status == 401:
            return rx.toast.error("Your session has ended. Please sign in again.")
        self.event_errors = on_fields(resp.field_errors(), EVENT_FIELDS)
        return None

    @rx.event
    def add_seat(self):
        self.seat_count = clamp_seat_count(self.seat_count + 1)

    @rx.event
    def remove_seat(self):
        self.seat_count = clamp_seat_count(self.seat_count - 1)

    @rx.event
    def set_price_text(self, value: str):
        self.price_text = str(value)[:30]
        self.errors = {k: v for k, v in self.errors.items() if k != "price"}

    async def _post_listing(self, body: dict[str, Any]):
        resp = await self._api("POST", "/api/listings", json=body)
        for delay in LISTING_RETRY_DELAYS:
            if resp.status != 400 or "eventId" not in resp.field_errors():
                break
            await asyncio.sleep(delay)
            resp = await self._api("POST", "/api/listings", json=body)
        return resp

    @rx.event
    async def submit(self, form: dict[str, Any]):
        if self.submitting or not self.event.id:
            return
        self.price_text = str(form.get("price") or "")[:30]
        draft, self.errors = validate_listing(form, self.seat_count)
        if draft is None:
            return
        self.submitting = True
        yield
        resp = await self._post_listing(draft.body(self.event.id))
        self.submitting = False
        if resp.status == 201 and isinstance(resp.body, dict):
            count = len(resp.body.get("tickets") or [])
            yield rx.toast.success(f"Listed {count} seat{'s' if count != 1 else ''}")
            yield rx.redirect(f"/events/{self.event.id}")
            return
        if resp.status == 401:
            yield rx.toast.error("Your session has ended. Please sign in again.")
            return
        if resp.status in (404, 405):
            self.errors = {"form": "Listing seats is not available on this server yet."}
            return
        self.errors = listing_errors(resp.field_errors())
