"""`/orders` and `/orders/[order_id]` (the hold countdown and the payment)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import reflex as rx

from ..models import OrderView, parse_time
from ..views import View, ViewKind
from .fetch import FetchCache
from .session import SessionState, last_segment

TEST_CARDS = ("pm_card_visa", "pm_card_chargeCustomerFail")


class OrdersState(SessionState):
    orders: list[OrderView] = []
    loading: bool = True
    error: str = ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        rows, self.error = await self._private_list("/api/orders", cache)
        self.loading = False
        if rows is not None:
            now = datetime.now(UTC)
            self.orders = [OrderView.from_api(o, now) for o in rows]

    def _listed(self) -> Collection[str]:
        return [o.id for o in self.orders]

    @rx.event
    async def load(self):
        await self._ensure_session(View(ViewKind.ORDERS))
        if not self.orders:
            self.loading = True
        await self._fetch()


class OrderState(SessionState):
    order: OrderView = OrderView()
    loading: bool = True
    not_found: bool = False
    forbidden: bool = False
    error: str = ""
    # Milliseconds left on the hold, measured on the server when the order was
    # loaded; the browser counts down from there (its own clock is not used).
    remaining_ms: int = 0
    countdown_stamp: int = 0
    card: str = TEST_CARDS[0]
    paying: bool = False
    pay_error: str = ""
    payment_accepted: bool = False
    releasing: bool = False

    _order_id: str = ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        if not self.user_id:
            self.loading = False
            return
        resp = await self._get(f"/api/orders/{quote(self._order_id, safe='')}", cache)
        self.loading = False
        if resp.status == 401:
            return
        if resp.status in (403, 404):
            # A 403 is shown as "not found": another user's order does not exist for you.
            self.not_found = True
            self.forbidden = resp.status == 403
            self.order = OrderView()
            return
        if not resp.ok or not isinstance(resp.body, dict):
            self.error = resp.message()
            return
        now = datetime.now(UTC)
        previous = self.order.status
        self.error = ""
        self.not_found = False
        self.order = OrderView.from_api(resp.body, now)
        exp = parse_time(self.order.expires_at)
        self.remaining_ms = max(0, int((exp - now).total_seconds() * 1000)) if exp else 0
        self.countdown_stamp += 1
        if self.order.status != "created":
            self.paying = False
        if previous == "created" and self.order.status == "complete":
            self.payment_accepted = True

    @rx.event
    async def load(self):
        self._order_id = last_segment(self.router.url.path)
        await self._ensure_session(View(ViewKind.ORDER, self._order_id))
        if self.order.id != self._order_id:
            self.order = OrderView()
            self.loading = True
            self.payment_accepted = False
        self.not_found = False
        self.pay_error = ""
        self.paying = False
        self.releasing = False
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
        if resp.status == 201:
            self.payment_accepted = True
            yield rx.toast.success("Payment accepted. Enjoy the show!")
            await self._fetch()
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
