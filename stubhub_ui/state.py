"""Reflex states: the session (who is signed in) and one state per page.

Every page's `on_load` calls `SessionState._ensure_session(view)`, which
re-derives the user from the `session` cookie of the websocket handshake (the
cookie can only change with a full page load, which reconnects the socket)
and records which live view this tab is on, for `live.py`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import reflex as rx

from . import api
from .api import ApiResponse
from .models import (
    OrderView,
    TicketView,
    cents_to_input,
    parse_dollars,
    parse_time,
    validate_title,
)
from .settings import get_settings

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SORTS = ("newest", "price_asc", "price_desc")

# client token -> (live view, user id) for the tabs of this process; a hint that
# lets live.py skip tabs whose page cannot be affected without loading their state.
LIVE_VIEWS: dict[str, tuple[str, str]] = {}
TEST_CARDS = ("pm_card_visa", "pm_card_chargeCustomerFail")


class FetchCache:
    """Shares identical GETs between the clients refreshed for one batch of events."""

    def __init__(self) -> None:
        self._tasks: dict[tuple[Any, ...], asyncio.Future[ApiResponse]] = {}

    async def get(self, path: str, *, cookie: str = "", params: dict[str, Any] | None = None):
        key = (path, tuple(sorted((params or {}).items())), api.session_cookie_header(cookie))
        fut = self._tasks.get(key)
        if fut is None:
            fut = asyncio.ensure_future(api.call("GET", path, cookie=cookie, params=params))
            self._tasks[key] = fut
        return await fut


async def _get(path: str, cookie: str, cache: FetchCache | None, params=None) -> ApiResponse:
    if cache is not None:
        return await cache.get(path, cookie=cookie, params=params)
    return await api.call("GET", path, cookie=cookie, params=params)


_SELF = "http://self.invalid"


def safe_next(value: str | None) -> str:
    """Only a path on this site, as a browser would resolve it; never the auth pages.

    Read the way a browser reads it: tabs and newlines vanish and a backslash is a
    slash, so `/%09/evil.example/` is `//evil.example/`, another site. The value is
    resolved against this origin and kept only if it stays here.
    """
    raw = (value or "").strip()
    cleaned = re.sub(r"[\t\n\r]", "", raw).replace("\\", "/")
    if not cleaned.startswith("/") or cleaned.startswith("//"):  # `//`, `///`: another host
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return "/"
    parts = urlsplit(urljoin(_SELF + "/", cleaned))
    if f"{parts.scheme}://{parts.netloc}" != _SELF or not parts.path.startswith("/"):
        return "/"
    if parts.path.startswith("//") or parts.path.startswith("/auth/"):
        return "/"
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return parts.path + query + fragment


def _cookie_digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest() if cookie else ""


def _last_segment(path: str) -> str:
    return unquote(path.rstrip("/").rsplit("/", 1)[-1])


class SessionState(rx.State):
    """Who is signed in, derived from the forwarded `session` cookie."""

    user_id: str = ""
    user_email: str = ""
    session_checked: bool = False
    # The path (and query) of the current page, for "sign in and come back".
    here: str = "/"

    _checked_digest: str = "-"
    _view: str = ""

    @rx.var
    def signed_in(self) -> bool:
        return self.user_id != ""

    @rx.var
    def signin_href(self) -> str:
        return "/auth/signin?next=" + quote(self.here, safe="/")

    def _raw_cookie(self) -> str:
        return self.router.headers.cookie or ""

    async def _api(self, method: str, path: str, **kwargs: Any) -> ApiResponse:
        resp = await api.call(method, path, cookie=self._raw_cookie(), **kwargs)
        if resp.status == 401:
            self._forget_user()
        return resp

    def _forget_user(self) -> None:
        self.user_id = ""
        self.user_email = ""
        self._checked_digest = "-"
        self._remember_view()

    def _remember_view(self) -> None:
        token = self.router.session.client_token
        if token:
            LIVE_VIEWS[token] = (self._view, self.user_id)

    async def _ensure_session(self, view: str = "") -> None:
        self._view = view
        try:
            await self._check_session()
        finally:
            self._remember_view()

    async def _check_session(self) -> None:
        url = self.router.url
        self.here = url.path + (f"?{url.query}" if url.query else "")
        cookie = api.session_cookie_header(self._raw_cookie())
        digest = _cookie_digest(cookie)
        if self.session_checked and digest == self._checked_digest:
            return
        if not cookie:
            self._forget_user()
            self._checked_digest = ""
            self.session_checked = True
            return
        resp = await api.call("GET", "/api/users/currentuser", cookie=cookie)
        user = resp.body.get("currentUser") if resp.ok and isinstance(resp.body, dict) else None
        if isinstance(user, dict) and user.get("id"):
            self.user_id = str(user["id"])
            self.user_email = str(user.get("email") or "")
        else:
            self.user_id = ""
            self.user_email = ""
        # Cache the answer for this cookie; a failed call is retried next time.
        self._checked_digest = digest if resp.ok else "-"
        self.session_checked = True

    @rx.event
    async def load_plain(self):
        """on_load of pages without data of their own (404, sign-in prompt...)."""
        await self._ensure_session("")


# ---------------------------------------------------------------- auth pages


class AuthState(SessionState):
    errors: dict[str, str] = {}
    submitting: bool = False
    next_url: str = "/"

    @rx.var
    def next_query(self) -> str:
        return "" if self.next_url == "/" else "?next=" + quote(self.next_url, safe="/")

    async def _load(self):
        await self._ensure_session("")
        self.errors = {}
        self.submitting = False
        self.next_url = safe_next(self.router.url.query_parameters.get("next"))
        if self.user_id:
            return rx.redirect(self.next_url, replace=True)
        return None

    @rx.event
    async def load_signin(self):
        return await self._load()

    @rx.event
    async def load_signup(self):
        return await self._load()

    def _validate(self, form: dict[str, Any], signup: bool) -> tuple[str, dict[str, str]]:
        email = str(form.get("email") or "").strip()
        password = str(form.get("password") or "")
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = "Enter your email address"
        elif not EMAIL_RE.match(email):
            errors["email"] = "Enter a valid email address, like name@example.com"
        if not password:
            errors["password"] = "Enter your password"
        elif signup and not 8 <= len(password) <= 128:
            errors["password"] = "Use between 8 and 128 characters"
        return email, errors

    def _submit(self, form: dict[str, Any], action: str):
        if self.submitting:
            return None
        email, errors = self._validate(form, signup=action == "signup")
        self.errors = errors
        if errors:
            return None
        self.submitting = True
        # The browser itself calls auth through the ingress, so the HttpOnly cookie
        # lands in its jar. The password is read from the field, not echoed back.
        js = (
            "(async () => { try {"
            f" const r = await fetch('/api/users/{action}', {{method: 'POST',"
            " credentials: 'same-origin', headers: {'Content-Type': 'application/json'},"
            f" body: JSON.stringify({{email: {json.dumps(email)},"
            " password: document.getElementById('password').value})});"
            " let body = null; try { body = await r.json(); } catch (e) {}"
            " return {status: r.status, body: body};"
            " } catch (e) { return {status: 0, body: null}; } })()"
        )
        return rx.call_script(js, callback=AuthState.auth_done)

    @rx.event
    def submit_signin(self, form: dict[str, Any]):
        return self._submit(form, "signin")

    @rx.event
    def submit_signup(self, form: dict[str, Any]):
        return self._submit(form, "signup")

    @rx.event
    def auth_done(self, result: Any):
        result = result if isinstance(result, dict) else {}
        status = int(result.get("status") or 0)
        if status in (200, 201):
            # A full page load, so the websocket reconnects carrying the new cookie.
            return rx.call_script(f"window.location.assign({json.dumps(self.next_url)})")
        self.submitting = False
        resp = ApiResponse(status=status or 503, body=result.get("body"))
        errors = resp.field_errors()
        if status == 429:
            errors = {
                "form": resp.message()
                if resp.errors()
                else "Too many attempts. Wait a few minutes and try again."
            }
        self.errors = {k if k in ("email", "password") else "form": v for k, v in errors.items()}
        return rx.toast.error(next(iter(self.errors.values()), "Something went wrong"))

    @rx.event
    def clear_error(self, field: str):
        if field in self.errors or "form" in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k not in (field, "form")}


class SignoutState(SessionState):
    """`/auth/signout` only asks; signing out is a POST from its button (or the nav's),
    so a link or an image pointing here cannot sign anyone out."""

    @rx.event
    async def load(self):
        await self._ensure_session("")

    @rx.event
    def sign_out(self):
        self._view = ""
        self._forget_user()
        self.session_checked = False
        return rx.call_script(
            "fetch('/api/users/signout', {method: 'POST', credentials: 'same-origin'})"
            ".catch(() => null).finally(() => window.location.replace('/'))"
        )


# ---------------------------------------------------------------- home


class HomeState(SessionState):
    tickets: list[TicketView] = []
    q: str = ""
    sort: str = "newest"
    page: int = 1
    has_more: bool = False
    loading: bool = True
    error: str = ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        size = get_settings().ui_page_size
        params: dict[str, Any] = {
            "sort": self.sort,
            "limit": size + 1,
            "offset": (self.page - 1) * size,
        }
        if self.q.strip():
            params["q"] = self.q.strip()
        resp = await _get("/api/tickets", "", cache, params)
        if not resp.ok or not isinstance(resp.body, list):
            self.error = resp.message()
            self.loading = False
            return
        items = [TicketView.from_api(t) for t in resp.body if isinstance(t, dict)]
        if not items and self.page > 1:
            # The last ticket of this page went away: step back.
            self.page -= 1
            await self._fetch(cache)
            return
        self.error = ""
        self.has_more = len(items) > size
        self.tickets = items[:size]
        self.loading = False

    async def _live(self, cache: FetchCache) -> None:
        await self._fetch(cache)

    @rx.event
    async def load(self):
        await self._ensure_session("home")
        params = self.router.url.query_parameters
        if "q" in params:
            self.q = params.get("q", "")[:200]
        if params.get("sort") in SORTS:
            self.sort = params["sort"]
        if not self.tickets:
            self.loading = True
        await self._fetch()

    @rx.event
    async def search(self, value: str):
        self.q = str(value)[:200]
        self.page = 1
        self.loading = True
        yield
        await self._fetch()

    @rx.event
    async def submit_search(self, form: dict[str, Any]):
        self.q = str(form.get("q") or "")[:200]
        self.page = 1
        self.loading = True
        yield
        await self._fetch()

    @rx.event
    async def set_sort(self, value: str):
        self.sort = value if value in SORTS else "newest"
        self.page = 1
        self.loading = True
        yield
        await self._fetch()

    @rx.event
    async def next_page(self):
        if not self.has_more:
            return
        self.page += 1
        self.loading = True
        yield
        await self._fetch()

    @rx.event
    async def prev_page(self):
        if self.page <= 1:
            return
        self.page -= 1
        self.loading = True
        yield
        await self._fetch()


# ---------------------------------------------------------------- one ticket


class TicketState(SessionState):
    ticket: TicketView = TicketView()
    not_found: bool = False
    loading: bool = True
    error: str = ""
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
        resp = await _get(f"/api/tickets/{quote(self._ticket_id, safe='')}", "", cache)
        self.loading = False
        if resp.status == 404:
            self.not_found = True
            self.ticket = TicketView()
            return
        if not resp.ok or not isinstance(resp.body, dict):
            self.error = resp.message()
            return
        self.error = ""
        self.not_found = False
        self.ticket = TicketView.from_api(resp.body)
        if self.ticket.status != "available":
            self.editing = False
        self.my_order_id = ""
        if self.user_id and self.ticket.order_id and self.ticket.user_id != self.user_id:
            # Only the buyer may read the order (403 otherwise): that is the check.
            mine = await _get(
                f"/api/orders/{quote(self.ticket.order_id, safe='')}", self._raw_cookie(), cache
            )
            if mine.ok:
                self.my_order_id = self.ticket.order_id

    async def _live(self, cache: FetchCache) -> None:
        await self._fetch(cache)

    @rx.event
    async def load(self):
        self._ticket_id = _last_segment(self.router.url.path)
        await self._ensure_session(f"ticket:{self._ticket_id}")
        if self.ticket.id != self._ticket_id:
            self.ticket = TicketView()
            self.loading = True
        self.not_found = False
        self.editing = False
        self.buying = False
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
        resp = await self._api("POST", "/api/orders", json={"ticketId": self.ticket.id})
        # The orders service learns new listings from events: a listing seconds old
        # may not have reached it yet. Retry briefly rather than say "not found".
        for delay in (0.25, 0.5, 1.0):
            if resp.status != 404:
                break
            await asyncio.sleep(delay)
            resp = await self._api("POST", "/api/orders", json={"ticketId": self.ticket.id})
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
        title = str(form.get("title") or "")
        errors = {}
        if msg := validate_title(title):
            errors["title"] = msg
        cents, msg = parse_dollars(str(form.get("price") or ""))
        if msg:
            errors["price"] = msg
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
            self.edit_errors = {
                k if k in ("title", "price") else "form": v for k, v in resp.field_errors().items()
            }
            return
        await self._fetch()
        self.editing = False
        yield rx.toast.error(
            "This ticket can no longer be edited." if resp.status == 409 else resp.message()
        )


# ---------------------------------------------------------------- sell


class SellState(SessionState):
    errors: dict[str, str] = {}
    submitting: bool = False

    @rx.event
    async def load(self):
        await self._ensure_session("")
        self.errors = {}
        self.submitting = False

    @rx.event
    def clear_error(self, field: str):
        if field in self.errors or "form" in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k not in (field, "form")}

    @rx.event
    def check_title(self, value: str):
        msg = validate_title(value)
        self.errors = (
            {**self.errors, "title": msg}
            if msg
            else {k: v for k, v in self.errors.items() if k != "title"}
        )

    @rx.event
    def check_price(self, value: str):
        _, msg = parse_dollars(value)
        self.errors = (
            {**self.errors, "price": msg}
            if msg
            else {k: v for k, v in self.errors.items() if k != "price"}
        )

    @rx.event
    async def submit(self, form: dict[str, Any]):
        if self.submitting:
            return
        title = str(form.get("title") or "")
        errors = {}
        if msg := validate_title(title):
            errors["title"] = msg
        cents, msg = parse_dollars(str(form.get("price") or ""))
        if msg:
            errors["price"] = msg
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
        self.errors = {
            k if k in ("title", "price") else "form": v for k, v in resp.field_errors().items()
        }


# ---------------------------------------------------------------- my tickets


class MineState(SessionState):
    tickets: list[TicketView] = []
    loading: bool = True
    error: str = ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        if not self.user_id:
            self.tickets = []
            self.loading = False
            return
        resp = await _get("/api/tickets/mine", self._raw_cookie(), cache)
        self.loading = False
        if resp.status == 401:
            self._forget_user()
            return
        if not resp.ok or not isinstance(resp.body, list):
            self.error = resp.message()
            return
        self.error = ""
        self.tickets = [TicketView.from_api(t) for t in resp.body if isinstance(t, dict)]

    async def _live(self, cache: FetchCache) -> None:
        await self._fetch(cache)

    @rx.event
    async def load(self):
        await self._ensure_session("mine")
        if not self.tickets:
            self.loading = True
        await self._fetch()


# ---------------------------------------------------------------- orders


class OrdersState(SessionState):
    orders: list[OrderView] = []
    loading: bool = True
    error: str = ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        if not self.user_id:
            self.orders = []
            self.loading = False
            return
        resp = await _get("/api/orders", self._raw_cookie(), cache)
        self.loading = False
        if resp.status == 401:
            self._forget_user()
            return
        if not resp.ok or not isinstance(resp.body, list):
            self.error = resp.message()
            return
        self.error = ""
        now = datetime.now(UTC)
        self.orders = [OrderView.from_api(o, now) for o in resp.body if isinstance(o, dict)]

    def _has_order(self, order_ids: set[str]) -> bool:
        return any(o.id in order_ids for o in self.orders)

    async def _live(self, cache: FetchCache) -> None:
        await self._fetch(cache)

    @rx.event
    async def load(self):
        await self._ensure_session("orders")
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
        resp = await _get(
            f"/api/orders/{quote(self._order_id, safe='')}", self._raw_cookie(), cache
        )
        self.loading = False
        if resp.status == 401:
            self._forget_user()
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

    async def _live(self, cache: FetchCache) -> None:
        await self._fetch(cache)

    @rx.event
    async def load(self):
        self._order_id = _last_segment(self.router.url.path)
        await self._ensure_session(f"order:{self._order_id}")
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
