"""Event-to-screen latency of the live ticket list (p50/p95 over 20 updates).

A viewer keeps `/` open; a seller lists 20 tickets through the API. For each,
the browser records (MutationObserver, `Date.now()`) when its card appears, and
the test records when the `ticket.created` event crossed NATS (a plain core
subscription: JetStream publishes are ordinary NATS messages) and when the
API call returned. Browser and test share the machine's clock. Results go to
stdout and `test-results/ui-latency.json`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import nats
from playwright.sync_api import expect

from .conftest import REPO, People, ticket_card, unique_title

UPDATES = 20

OBSERVER = """
() => {
  window.__seen = {};
  const scan = () => {
    const sel = '[data-testid="ticket-card"] [data-testid="ticket-title"]';
    for (const el of document.querySelectorAll(sel)) {
      const t = el.textContent;
      if (!(t in window.__seen)) window.__seen[t] = Date.now();
    }
  };
  const opts = {subtree: true, childList: true, characterData: true};
  new MutationObserver(scan).observe(document.body, opts);
  scan();
}
"""


class EventClock(threading.Thread):
    """Wall-clock arrival of `ticket.created` events, by title."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.seen: dict[str, float] = {}
        self.ready = threading.Event()
        self.failed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done: asyncio.Event | None = None

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._done = asyncio.Event()
        try:
            nc = await nats.connect(self.url, connect_timeout=2, max_reconnect_attempts=0)
        except Exception:
            self.failed = True
            self.ready.set()
            return

        async def on_msg(msg: Any) -> None:
            with contextlib.suppress(ValueError):
                self.seen.setdefault(json.loads(msg.data).get("title", ""), time.time())

        await nc.subscribe("ticket.created", cb=on_msg)
        await nc.flush()
        self.ready.set()
        await self._done.wait()
        await nc.close()

    def stop(self) -> None:
        if self._loop is not None and self._done is not None:
            self._loop.call_soon_threadsafe(self._done.set)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "max_ms": round(max(values), 1),
    }


def test_event_to_screen_latency(people: People, nats_url: str) -> None:
    """Every listing shows up live; the latency is reported (the goal is 1 s), not asserted."""
    clock = EventClock(nats_url)
    clock.start()
    assert clock.ready.wait(10), "could not subscribe to the stack's NATS"

    viewer = people.anonymous()
    viewer.goto("/")
    viewer.page.evaluate(OBSERVER)
    seller = people.signed_in()

    from_event: list[float] = []
    from_api: list[float] = []
    try:
        for i in range(UPDATES):
            title = unique_title(f"Latency {i:02d}")
            seller.create_ticket(title, 1000 + i)
            returned = time.time()
            expect(ticket_card(viewer.page, title)).to_be_visible()
            shown = viewer.page.evaluate("(t) => window.__seen[t]", title) / 1000
            from_api.append((shown - returned) * 1000)
            if title in clock.seen:
                from_event.append((shown - clock.seen[title]) * 1000)
    finally:
        clock.stop()

    assert len(from_event) == UPDATES, "every ticket.created event was observed on NATS"
    report: dict[str, Any] = {
        "updates": UPDATES,
        "api_response_to_screen": summary(from_api),
        "nats_event_to_screen": summary(from_event),
    }
    out = Path(os.environ.get("UI_LATENCY_REPORT", REPO / "test-results" / "ui-latency.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print("\nUI live-update latency:", json.dumps(report))
