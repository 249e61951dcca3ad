"""`/tickets/[id]` (buy, edit), `/tickets/new` (sell) and `/tickets/mine`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import reflex as rx

from ..forms import on_fields, validate_listing
from ..models import TicketView, cents_to_input, parse_dollars, validate_title
from ..views import View, ViewKind
from .fetch import FetchCache
from .loading import Loads, LoadsOne
from .orders import place_order
from .session import SessionState

LISTING_FIELDS = ("title", "price")


class TicketState(LoadsOne, SessionState):
    ticket: TicketView = TicketView()
    editing: bool = False
    saving: bool = False
    buying: bool = False
    edit_errors: dict[str, str] = {}
    edit_title: str = ""
    edit_price: str = ""
    # The viewer's own order holding (or having bought) this ticket, if any.
    my_order_id: str = ""

    _ticket_id: str = ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        resp = await self._get(
            f"/api/tickets/{quote(self._ticket_id, safe='')}", cache, private=False
        )
        found = self._found(resp)
        if found is None:
            if self.not_found:
                self.ticket = TicketView()
            return
        self.ticket = TicketView.from_api(found)
        if self.ticket.status != "available":
            self.editing = False
        self.my_order_id = ""
        if self.user_id and self.ticket.order_id and self.ticket.user_id != self.user_id:
            # Only the buyer may read the order (403 otherwise): that is the check.
            mine = await self._get(f"/api/orders/{quote(self.ticket.order_id, safe='')}", cache)
            if mine.ok:
                self.my_order_id = self.ticket.order_id

    @rx.event
    async def load(self):
        self._ticket_id = await self._open_one(ViewKind.TICKET)
        if self._another(self.ticket.id, self._ticket_id):
            self.ticket = TicketView()
        self.editing = self.buying = False
        self.edit_errors = {}
        await self._fetch()

    @rx.event
    async def buy(self):
        if self.buying:
            return
        if not self.user_id:
            yield rx.redirect(self.signin_href)
            return
        self.buying = True
        yield
        resp = await place_order(self, [self.ticket.id])
        self.buying = False
        if resp.status == 201 and isinstance(resp.body, dict):
            yield rx.toast.success("Ticket reserved. Complete your payment before the hold ends.")
            yield rx.redirect(f"/orders/{resp.body.get('id')}")
            return
        if resp.status == 401:
            yield rx.toast.error("Please sign in again to buy this ticket.")
            return
        await self._fetch()
        if resp.status == 409:
            yield rx.toast.error("Sorry, someone else just reserved this ticket.")
        else:
            yield rx.toast.error(resp.message())

    @rx.event
    def start_edit(self):
        self.edit_title = self.ticket.title
        self.edit_price = cents_to_input(self.ticket.price)
        self.edit_errors = {}
        self.editing = True

    @rx.event
    def cancel_edit(self):
        self.editing = False
        self.edit_errors = {}

    @rx.event
    async def save_edit(self, form: dict[str, Any]):
        if self.saving:
            return
        title, cents, errors = validate_listing(form)
        self.edit_title, self.edit_price = title, str(form.get("price") or "")
        self.edit_errors = errors
        if errors:
            return
        self.saving = True
        yield
        resp = await self._api(
            "PUT",
            f"/api/tickets/{quote(self.ticket.id, safe='')}",
            json={"title": title.strip(), "price": cents},
        )
        self.saving = False
        if resp.ok and isinstance(resp.body, dict):
            self.ticket = TicketView.from_api(resp.body)
            self.editing = False
            yield rx.toast.success("Listing updated")
            return
        if resp.status == 400:
            self.edit_errors = on_fields(resp.field_errors(), LISTING_FIELDS)
            return
        await self._fetch()
        self.editing = False
        yield rx.toast.error(
            "This ticket can no longer be edited." if resp.status == 409 else resp.message()
        )


class SellState(SessionState):
    errors: dict[str, str] = {}
    submitting: bool = False

    @rx.event
    async def load(self):
        await self._ensure_session()
        self.errors = {}
        self.submitting = False

    @rx.event
    def clear_error(self, field: str):
        if field in self.errors or "form" in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k not in (field, "form")}

    @rx.event
    def check_title(self, value: str):
        self._show_error("title", validate_title(value))

    @rx.event
    def check_price(self, value: str):
        self._show_error("price", parse_dollars(value)[1])

    def _show_error(self, field: str, msg: str) -> None:
        self.errors = (
            {**self.errors, field: msg}
            if msg
            else {k: v for k, v in self.errors.items() if k != field}
        )

    @rx.event
    async def submit(self, form: dict[str, Any]):
        if self.submitting:
            return
        title, cents, errors = validate_listing(form)
        self.errors = errors
        if errors:
            return
        self.submitting = True
        yield
        resp = await self._api(
            "POST", "/api/tickets", json={"title": title.strip(), "price": cents}
        )
        if resp.status == 201 and isinstance(resp.body, dict):
            yield rx.toast.success("Your ticket is listed")
            yield rx.redirect(f"/tickets/{resp.body.get('id')}")
            self.submitting = False
            return
        self.submitting = False
        if resp.status == 401:
            yield rx.toast.error("Your session has ended. Please sign in again.")
            return
        self.errors = on_fields(resp.field_errors(), LISTING_FIELDS)


class MineState(Loads, SessionState):
    tickets: list[TicketView] = []

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        rows = self._rows(await self._private_list("/api/tickets/mine", cache))
        if rows is not None:
            self.tickets = [TicketView.from_api(t) for t in rows]

    @rx.event
    async def load(self):
        await self._ensure_session(View(ViewKind.MINE))
        await self._reload(self.tickets)
