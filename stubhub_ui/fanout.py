"""Live updates, Reflex side: one batch of changes → the open tabs of this process.

For each websocket connected to *this* process whose page shows affected data,
the page's state is modified out of band (`app.modify_state`) and re-fetches
through the ingress with that tab's own cookie. Home tabs showing the same query
(`state.home.HOME_QUERIES`) are refreshed once: the first tab as above, and the
public fields of its delta go to the others in one socket.io packet, encoded
once; their server-side states catch up later (`state.home.BEHIND`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

import reflex as rx
from reflex import constants
from reflex.state import StateUpdate
from reflex_base.constants.state import FIELD_MARKER

from .state import LIVE_STATES, TAB_VIEWS, FetchCache, HomeState, SessionState
from .state.home import BEHIND, HOME_QUERIES, LIVE_FIELDS
from .views import Changes, View, ViewKind, affects

log = logging.getLogger("stubhub_ui.live")

MAX_PARALLEL_CLIENTS = 16


async def dispatch(app: rx.App, changes: Changes) -> int:
    """Refresh every local tab the changes affect; the number of tabs touched."""
    tokens = list(local_sockets(app))
    # Forget tabs that are gone (a missing hint only means "load the state").
    for registry in (TAB_VIEWS, HOME_QUERIES):
        for gone in set(registry) - set(tokens):
            registry.pop(gone, None)
    BEHIND.intersection_update(tokens)
    cache = FetchCache()
    sem = asyncio.Semaphore(MAX_PARALLEL_CLIENTS)
    touched = 0
    # Home tabs by the public list they show: one refresh per list, not per tab.
    home: dict[tuple[str, str, int], list[str]] = defaultdict(list)

    async def one(token: str) -> None:
        nonlocal touched
        async with sem:
            try:
                if await refresh_tab(app, token, changes, cache):
                    touched += 1
            except Exception as exc:
                log.warning("live update for a tab failed: %r", exc)

    async def group(tabs: list[str]) -> None:
        nonlocal touched
        async with sem:
            try:
                touched += await refresh_home_group(app, tabs, changes, cache)
            except Exception as exc:
                log.warning("live update for %d home tab(s) failed: %r", len(tabs), exc)

    rest = []
    for token in tokens:
        hint = TAB_VIEWS.get(token)
        if hint is not None and not affects(*hint, changes):
            continue
        query = HOME_QUERIES.get(token)
        if hint is not None and hint[0].kind is ViewKind.HOME and query and not changes.full:
            home[query].append(token)
        else:
            rest.append(token)
    await asyncio.gather(*(one(t) for t in rest), *(group(tabs) for tabs in home.values()))
    return touched


async def refresh_home_group(
    app: rx.App, tabs: list[str], changes: Changes, cache: FetchCache
) -> int:
    """Home tabs on one query: the first is refreshed as any tab; the others get the
    same public fields of its delta in one packet (encoded once), and catch their
    server-side state up when a handler needs it (`state.home.BEHIND`)."""
    first, others = tabs[0], tabs[1:]
    shared = None
    async with app.modify_state(rx.BaseStateToken(ident=first, cls=SessionState)) as root:
        session = await root.get_state(SessionState)
        state = await root.get_state(HomeState)
        page = state.page
        if View.parse(session._view).kind is ViewKind.HOME:
            await state._fetch(cache)
            if state.page == page:  # else the page moved: each tab on its own below
                shared = public_delta(await root._get_resolved_delta(), state)
    ns, records = app.event_namespace, local_sockets(app)
    sids = [records[t] for t in others if t in records]
    if shared is None or ns is None:
        results = await asyncio.gather(*(refresh_tab(app, t, changes, cache) for t in others))
        return 1 + sum(results)
    if sids:  # never an empty list: socket.io sends `to=[]` to everyone
        await ns.emit(str(constants.SocketEvent.EVENT), StateUpdate(delta=shared), to=sids)
        BEHIND.update(others)
    return 1 + len(sids)


def local_sockets(app: rx.App) -> dict[str, str]:
    """Tab token → socket id, for the sockets of this process only."""
    ns = app.event_namespace
    if ns is None:
        return {}
    tm = ns._token_manager
    return {
        t: rec.sid
        for t, rec in list(tm.token_to_socket.items())
        if rec.instance_id == tm.instance_id
    }


async def refresh_tab(app: rx.App, token: str, changes: Changes, cache: FetchCache) -> bool:
    """Re-fetch one tab's page if the changes affect it; whether it did."""
    async with app.modify_state(rx.BaseStateToken(ident=token, cls=SessionState)) as root:
        session = await root.get_state(SessionState)
        view, user_id = View.parse(session._view), session.user_id
        TAB_VIEWS[token] = (view, user_id)
        if view.kind is None or not affects(view, user_id, changes):
            return False
        state = await root.get_state(LIVE_STATES[view.kind])
        # Some pages can tell only from what they list (the `/orders` of another tab).
        if not affects(view, user_id, changes, state._listed()):
            return False
        await state._fetch(cache)
        return True


def public_delta(delta: dict[str, Any], state: HomeState) -> dict[str, Any] | None:
    """Only the public list fields of a home refresh: nothing of the first tab's own."""
    name = state.get_full_name()
    wanted = {f"{field}{FIELD_MARKER}" for field in LIVE_FIELDS}
    picked = {key: value for key, value in delta.get(name, {}).items() if key in wanted}
    return {name: picked} if picked else None
