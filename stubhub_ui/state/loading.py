"""What every page with data shows while it loads: `loading` until the first answer,
the load `error`, and for a page about one thing, `not_found`. Mixed into page states."""

from __future__ import annotations

from collections.abc import Collection, Sized
from typing import Any

import reflex as rx

from ..api import ApiResponse
from .fetch import FetchCache


class Loads(rx.State, mixin=True):
    loading: bool = True
    error: str = ""

    def _rows(self, answer: tuple[list[dict[str, Any]] | None, str]) -> list[dict[str, Any]] | None:
        """Record a `SessionState._private_list` answer; its rows, or None to keep what is
        shown."""
        rows, self.error = answer
        self.loading = False
        return rows

    async def _fetch(self, cache: FetchCache | None = None) -> None:
        """Load the page's data (each page state has its own)."""

    async def _reload(self, shown: Sized) -> None:
        """Load again, with the spinner only while nothing is `shown` yet."""
        if not shown:
            self.loading = True
        await self._fetch()


class LoadsOne(Loads, mixin=True):
    not_found: bool = False

    def _found(self, resp: ApiResponse, missing: Collection[int] = (404,)) -> dict[str, Any] | None:
        """The thing a page's GET returned, or None: a `missing` status marks the page not
        found; any other failure sets `error` and keeps what is shown."""
        self.loading = False
        if resp.status in missing:
            self.not_found = True
            return None
        if not resp.ok or not isinstance(resp.body, dict):
            self.error = resp.message()
            return None
        self.error = ""
        self.not_found = False
        return resp.body

    def _another(self, shown_id: str, wanted_id: str) -> bool:
        """On load: is the page now about another thing than the one shown? If so the
        caller clears what is shown, and the spinner is on until it arrives."""
        self.not_found = False
        if shown_id == wanted_id:
            return False
        self.loading = True
        return True
