"""`/orders` and `/orders/[order_id]` (the hold countdown and the payment)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import reflex as rx

from ..api import ApiResponse
from ..models import OrderView, parse_time
from ..models import payment_phase as phase_of
from ..settings import get_settings
from ..views import View, ViewKind
from .fetch import FetchCache
from .loading import Loads, LoadsOne
from .session import SessionState

# The orders service learns new tickets from events: a listing seconds old may not
# have reached it yet, so a 404 is retried briefly rather than shown.
ORDER_RETRY_DELAYS = (0.25, 0.5, 1.0)


async def place_order(state: SessionState, ticket_ids: list[str]) -> ApiResponse:
    """`POST /api/orders {ticketIds}` (CONTRACT §7): all of them held, or none."""
    body = {"ticketIds": ticket_ids}
    resp = await state._api("POST", "/api/orders", json=body)
    for delay in ORDER_RETRY_DELAYS:
        if resp.status != 404:
            break
        await asyncio.sleep(delay)
        resp = await state._api("POST", "/api/orders", json=body)
    return resp


TEST_CARDS = ("pm_card_visa", "pm_card_chargeCustomerFail", "pm_card_authenticationRequired")


class OrdersState(Loads, SessionState):
    orders: list[OrderView] = []

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        rows = self._rows(await self._private_list("/api/orders", cache))
        if rows is not None:
            now = datetime.now(UTC)
            self.orders = [OrderView.from_api(o, now) for o in rows]

    def _listed(self) -> Collection[str]:
        return [o.id for o in self.orders]

    @rx.event
    async def load(self):
        await self._ensure_session(View(ViewKind.ORDERS))
        await self._reload(self.orders)


class OrderState(LoadsOne, SessionState):
    order: OrderView = OrderView()
    forbidden: bool = False
    # Milliseconds left on the hold, measured on the server when the order was
    # loaded; the browser counts down from there (its own clock is not used).
    remaining_ms: int = 0
    countdown_stamp: int = 0
    card: str = TEST_CARDS[0]
    paying: bool = False
    pay_error: str = ""
    releasing: bool = False
    # The latest payment attempt (Payments v2) and what the page says about it.
    payment_id: str = ""
    payment_status: str = ""
    payment_phase: str = ""
    client_secret: str = ""
    authenticating: bool = False

    _order_id: str = ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        if not self.user_id:
            self.loading = False
            return
        resp = await self._get(f"/api/orders/{quote(self._order_id, safe='')}", cache)
        if resp.status == 401:
            self.loading = False
            return
        # A 403 is shown as "not found": another user's order does not exist for you.
        found = self._found(resp, missing=(403, 404))
        if found is None:
            if self.not_found:
                self.forbidden = resp.status == 403
                self.order = OrderView()
            return
        now = datetime.now(UTC)
        self.order = OrderView.from_api(found, now)
        exp = parse_time(self.order.expires_at)
        self.remaining_ms = max(0, int((exp - now).total_seconds() * 1000)) if exp else 0
        self.countdown_stamp += 1
        if self.order.status != "created":
            self.paying = False
        await asyncio.gather(self._fetch_payment(cache), self._fetch_files(cache))

    async def _fetch_files(self, cache: FetchCache | None) -> None:
        """Which e-tickets of a paid order the seller has uploaded (`hasFile`)."""
        if self.order.status != "complete":
            return
        lines = self.order.lines
        found = await asyncio.gather(
            *(
                self._get(f"/api/tickets/{quote(line.id, safe='')}", cache, private=False)
                for line in lines
            )
        )
        with_files = [
            dataclasses.replace(
                line,
                has_file=resp.ok and isinstance(resp.body, dict) and bool(resp.body.get("hasFile")),
            )
            for line, resp in zip(lines, found, strict=True)
        ]
        self.order = dataclasses.replace(self.order, lines=with_files)

    async def _fetch_payment(self, cache: FetchCache | None) -> None:
        resp = await self._get("/api/payments", cache, params={"orderId": self.order.id})
        if resp.ok and isinstance(resp.body, list):
            latest = resp.body[0] if resp.body else {}
            self.payment_id = str(latest.get("id") or "")
            self.payment_status = str(latest.get("status") or "")
        self.payment_phase = phase_of(self.order.status, self.payment_status)

    @rx.event
    async def load(self):
        self._order_id = await self._open_one(ViewKind.ORDER)
        if self._another(self.order.id, self._order_id):
            self.order = OrderView()
            self.payment_id = self.payment_status = self.payment_phase = ""
        self.pay_error = ""
        self.paying = self.releasing = False
        await self._fetch()

    @rx.event
    def set_card(self, value: str):
        if value in TEST_CARDS:
            self.card = value

    async def _pay(self, token: str):
        self.paying = True
        self.pay_error = ""
        yield
        resp = await self._api(
            "POST", "/api/payments", json={"orderId": self.order.id, "token": token}
        )
        if resp.status == 201 and isinstance(resp.body, dict):
            self.paying = False
            self.payment_id = str(resp.body.get("id") or "")
            self.payment_status = str(resp.body.get("status") or "")
            self.client_secret = str(resp.body.get("clientSecret") or "")
            self.payment_phase = phase_of(self.order.status, self.payment_status)
            if self.payment_status == "requires_action" and get_settings().stripe_publishable_key:
                # Stripe.js shows the bank's challenge; the outcome arrives live.
                yield rx.call_script(
                    f"window.stubhubStripe.handleNextAction({json.dumps(self.client_secret)})",
                    callback=OrderState.after_challenge,
                )
            return
        self.paying = False
        if resp.status == 401:
            yield rx.toast.error("Your session has ended. Please sign in again.")
            return
        if resp.status == 402:
            self.pay_error = resp.message() or "Your card was declined."
            yield rx.toast.error("Payment declined")
            return
        self.pay_error = resp.message()
        if resp.status == 409:
            await self._fetch()
        yield rx.toast.error(self.pay_error)

    @rx.event
    async def after_challenge(self, result: Any):
        result = result if isinstance(result, dict) else {}
        if result.get("error"):
            self.pay_error = str(result["error"])
        await self._fetch()

    @rx.event
    async def authenticate(self, success: bool):
        """Local test mode: answer the 3-D Secure challenge as the bank's page would."""
        if self.authenticating or self.payment_status != "requires_action":
            return
        self.authenticating = True
        yield
        resp = await self._api(
            "POST",
            f"/api/payments/{quote(self.payment_id, safe='')}/test-authentication",
            json={"success": success},
        )
        self.authenticating = False
        if not resp.ok:
            self.pay_error = resp.message()
        elif resp.body.get("status") == "failed":
            self.pay_error = "Your bank declined the authentication. Try again or use another card."
        await self._fetch()

    @rx.event
    async def pay_test(self, form: dict[str, Any]):
        if self.paying or self.order.status != "created":
            return
        token = str(form.get("card") or self.card)
        if token not in TEST_CARDS:
            self.pay_error = "Choose one of the test cards"
            return
        self.card = token
        async for update in self._pay(token):
            yield update

    @rx.event
    def pay_stripe(self):
        if self.paying or self.order.status != "created":
            return None
        self.paying = True
        self.pay_error = ""
        return rx.call_script(
            "window.stubhubStripe ? window.stubhubStripe.createPaymentMethod()"
            " : Promise.resolve({error: 'Card entry is not ready yet'})",
            callback=OrderState.pay_with_method,
        )

    @rx.event
    async def pay_with_method(self, result: Any):
        result = result if isinstance(result, dict) else {}
        if result.get("error") or not result.get("id"):
            self.paying = False
            self.pay_error = str(result.get("error") or "Check your card details")
            return
        async for update in self._pay(str(result["id"])):
            yield update

    @rx.event
    async def release(self):
        if self.releasing or self.order.status != "created":
            return
        self.releasing = True
        yield
        resp = await self._api("DELETE", f"/api/orders/{quote(self.order.id, safe='')}")
        self.releasing = False
        await self._fetch()
        if resp.ok:
            yield rx.toast.info("Order cancelled. The ticket is back on sale.")
        else:
            yield rx.toast.error(resp.message())
