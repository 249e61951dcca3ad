"""`SessionState`: who is signed in, and which live view the tab is on.

Every page's `on_load` calls `SessionState._ensure_session(view)`, which
re-derives the user from the `session` cookie of the websocket handshake (the
cookie can only change with a full page load, which reconnects the socket)
and records which live view this tab is on, for `live.py`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any
from urllib.parse import quote, unquote

import reflex as rx

from .. import api
from ..api import ApiResponse
from ..views import NO_VIEW, View, ViewKind
from .fetch import FetchCache, fetch

# client token -> (live view, user id) for the tabs of this process; a hint that
# lets live.py skip tabs whose page cannot be affected without loading their state.
TAB_VIEWS: dict[str, tuple[View, str]] = {}


def _cookie_digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest() if cookie else ""


def last_segment(path: str) -> str:
    return unquote(path.rstrip("/").rsplit("/", 1)[-1])


class SessionState(rx.State):
    """Who is signed in, derived from the forwarded `session` cookie."""

    user_id: str = ""
    user_email: str = ""
    session_checked: bool = False
    # The path (and query) of the current page, for "sign in and come back".
    here: str = "/"

    _checked_digest: str = "-"
    # str(View) of the page this tab is on (see views.py).
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

    async def _get(
        self,
        path: str,
        cache: FetchCache | None = None,
        *,
        private: bool = True,
        params: dict[str, Any] | None = None,
    ) -> ApiResponse:
        """GET with this tab's cookie (`private`) or none; a 401 signs the tab out."""
        resp = await fetch(
            path, cookie=self._raw_cookie() if private else "", cache=cache, params=params
        )
        if private and resp.status == 401:
            self._forget_user()
        return resp

    async def _private_list(
        self, path: str, cache: FetchCache | None
    ) -> tuple[list[dict[str, Any]] | None, str]:
        """The signed-in user's list at `path` and a load error: ([], "") when signed out,
        (None, "") when the session ended, (None, message) when it failed (keep what is shown).
        """
        if not self.user_id:
            return [], ""
        resp = await self._get(path, cache)
        if resp.status == 401:
            return None, ""
        if not resp.ok or not isinstance(resp.body, list):
            return None, resp.message()
        return [row for row in resp.body if isinstance(row, dict)], ""

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        """Load this page's data; `live.py` calls it after an event with a shared `cache`.
        States of pages with data override it."""

    def _listed(self) -> Collection[str] | None:
        """The ids this page lists, for views whose predicate needs them (see views.py)."""
        return None

    def _forget_user(self) -> None:
        self.user_id = ""
        self.user_email = ""
        self._checked_digest = "-"
        self._remember_view()

    def _remember_view(self) -> None:
        token = self.router.session.client_token
        if token:
            TAB_VIEWS[token] = (View.parse(self._view), self.user_id)

    async def _ensure_session(self, view: View = NO_VIEW) -> None:
        self._view = str(view)
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

    async def _open_one(self, kind: ViewKind) -> str:
        """on_load of a page about one thing: its id (the path's last segment), with the
        session checked and the tab's live view (`kind`, id) recorded."""
        item_id = last_segment(self.router.url.path)
        await self._ensure_session(View(kind, item_id))
        return item_id

    @rx.event
    async def load_plain(self):
        """on_load of pages without data of their own (404, sign-in prompt...)."""
        await self._ensure_session()
