"""Live updates: NATS JetStream events pushed to the open pages of every tab.

Design (per-process fan-out, see docs/ui.md):

* Every UI server process (each granian worker, each pod) opens its **own**
  ordered, ephemeral JetStream consumer on the `EVENTS` stream with
  `DeliverPolicy.NEW`. So every process sees every event; nothing is shared
  and nothing needs acknowledging. If NATS restarts, the ordered consumer
  re-creates itself from the last stream sequence it saw.
* Events are coalesced for a few milliseconds, then turned into a set of
  changes (ticket ids, owner ids, order ids, buyer ids).
* `fanout.dispatch` delivers a batch to the open tabs of this process. For each
  websocket whose page shows affected data, the page's state is modified out of
  band (`app.modify_state`): it re-fetches its data from the services through
  the ingress, with that tab's own `session` cookie for private data. Private
  data therefore only ever reaches a tab whose user the owning service
  authorised. The delta goes out on that tab's websocket.
* Identical GETs (the public ticket list for one query, one ticket) are shared
  between the tabs refreshed for the same batch.
* Home tabs (the public list) are grouped by the query they show
  (`state.home.HOME_QUERIES`): one tab per query is refreshed as above, and the
  public fields of its delta go to the others in one socket.io packet, encoded
  once. Their server-side states catch up when a handler needs them
  (`state.home.BEHIND`), or with their next fetch. So a new listing costs one
  state refresh per distinct query, not one per viewer.
* It works the same with one process and the memory/disk state manager, and
  with several processes and Redis (each process touches only its own sockets).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import nats
import reflex as rx
from nats.js.api import ConsumerConfig, DeliverPolicy

from . import api
from .fanout import dispatch
from .settings import get_settings
from .views import CATALOG_RECHECK, LIVE_SUBJECTS, Changes

log = logging.getLogger("stubhub_ui.live")

# Only the subjects that change a page; the stream holds others (expiration.complete).
SUBJECTS = [str(subject) for subject in sorted(LIVE_SUBJECTS)]


class LiveUpdates:
    def __init__(self, app: rx.App) -> None:
        self.app = app
        self.settings = get_settings()
        self.queue: asyncio.Queue[tuple[str, dict[str, Any], float | None]] = asyncio.Queue()
        self.nc: nats.NATS | None = None
        self._closed = asyncio.Event()
        self._last_error_log = -1e9
        self._tasks: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------ NATS side

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._supervise(), name="ui-live-nats"),
            asyncio.create_task(self._pump(), name="ui-live-pump"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.nc is not None and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.nc.close(), 3)
        await api.close_clients()

    async def _supervise(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._connect_and_subscribe()
                delay = 0.5
                # The client reconnects by itself; the ordered consumer re-creates
                # itself. Only a closed connection brings us back here.
                await self._closed.wait()
                log.warning("NATS connection closed; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep trying: the UI works without live updates
                log.warning(
                    "live updates unavailable (%s: %s); retrying in %.1fs",
                    type(exc).__name__,
                    exc,
                    delay,
                )
                if self.nc is not None and not self.nc.is_closed:
                    with contextlib.suppress(Exception):
                        await self.nc.close()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def _connect_and_subscribe(self) -> None:
        self._closed.clear()

        async def on_error(exc: Exception) -> None:
            now = time.monotonic()
            if now - self._last_error_log > 30:  # the client retries forever; don't flood
                self._last_error_log = now
                log.warning("NATS unavailable (%r); live updates paused, retrying", exc)

        async def on_disconnected() -> None:
            log.warning("NATS disconnected")

        async def on_closed() -> None:
            self._closed.set()

        async def on_reconnected() -> None:
            log.info("NATS reconnected; refreshing open pages")
            self.queue.put_nowait(("_refresh", {}, None))

        self.nc = await nats.connect(
            servers=[self.settings.nats_url],
            name=f"stubhub-ui-{os.getpid()}",
            connect_timeout=2,
            reconnect_time_wait=0.5,
            max_reconnect_attempts=-1,
            error_cb=on_error,
            disconnected_cb=on_disconnected,
            reconnected_cb=on_reconnected,
            closed_cb=on_closed,
            **self.settings.nats_credentials(),
        )
        js = self.nc.jetstream()
        # The stream is created by the services; wait for it rather than creating it.
        for attempt in itertools.count():
            try:
                await js.stream_info(self.settings.nats_stream)
                break
            except nats.js.errors.NotFoundError:
                if attempt % 30 == 0:
                    log.info(
                        "waiting for the services to create the %s stream",
                        self.settings.nats_stream,
                    )
                await asyncio.sleep(1)
        await js.subscribe(
            "",
            stream=self.settings.nats_stream,
            cb=self._on_msg,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
            idle_heartbeat=2.0,
            config=ConsumerConfig(filter_subjects=list(SUBJECTS)),
        )
        log.info("live updates: ordered consumer on %s %s", self.settings.nats_stream, SUBJECTS)
        # Anything that happened while we were away: refresh what's open.
        self.queue.put_nowait(("_refresh", {}, None))

    async def _on_msg(self, msg: Any) -> None:
        try:
            data = json.loads(msg.data or b"{}")
        except ValueError:
            return
        stamp: float | None = None
        with contextlib.suppress(Exception):
            ts = msg.metadata.timestamp
            if isinstance(ts, datetime):
                stamp = ts.replace(tzinfo=ts.tzinfo or UTC).timestamp()
        self.queue.put_nowait((msg.subject, data if isinstance(data, dict) else {}, stamp))

    # ------------------------------------------------------------ Reflex side

    async def _pump(self) -> None:
        coalesce = self.settings.ui_live_coalesce_seconds
        while True:
            batch = [await self.queue.get()]
            if coalesce:
                await asyncio.sleep(coalesce)
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            changes = Changes()
            stamps = []
            for subject, data, stamp in batch:
                if subject == "_refresh":
                    changes.full = True
                else:
                    changes.add(subject, data)
                if stamp:
                    stamps.append(stamp)
            if not changes:
                continue
            self._recheck_catalog_later(changes)
            started = time.monotonic()
            try:
                touched = await dispatch(self.app, changes)
            except Exception:
                log.exception("live update dispatch failed")
                continue
            if touched:
                age = (time.time() - min(stamps)) * 1000 if stamps else 0.0
                log.info(
                    "live: %d event(s) -> %d tab(s) in %.0f ms (oldest event %.0f ms old)",
                    len(batch),
                    touched,
                    (time.monotonic() - started) * 1000,
                    age,
                )

    def _recheck_catalog_later(self, changes: Changes) -> None:
        """The catalog counts availability from the same ticket events we see, so an
        immediate re-fetch may read the old count: look at those events once more when
        the catalog's contract says it has caught up."""
        follow = changes.recheck()
        lag = self.settings.ui_catalog_lag_seconds
        if follow is not None and lag > 0:
            asyncio.get_running_loop().call_later(
                lag, self.queue.put_nowait, (CATALOG_RECHECK, follow, None)
            )


@contextlib.asynccontextmanager
async def live_updates(app: rx.App) -> AsyncIterator[None]:
    """Lifespan task: one NATS consumer per server process."""
    if not get_settings().ui_live_updates:
        yield
        return
    live = LiveUpdates(app)
    await live.start()
    try:
        yield
    finally:
        await live.stop()
