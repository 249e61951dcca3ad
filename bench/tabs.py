"""Event → screen latency with many open home pages: `python -m bench.tabs --tabs 12,100,500`.

One real Chromium tab opens `/` signed in; its socket.io CONNECT packet (the hydrate
event that rides in the handshake's `auth`) is captured. Then N socket.io clients
(python-socketio, websocket transport, through the ingress) replay it, each with a
token of its own and a signed-in user's cookie: to the UI server each is a tab on the
home page. A seller lists tickets one at a time; for each, every client's arrival
time of a delta naming the new title is measured from the 201 (both clocks are this
process's). Also counted: `GET /api/tickets` requests that reached the ingress per
event (from nginx's access log): the public list must be fetched once per event, not
once per tab. Timing is reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import socketio

from harness import report
from harness.client import Api, User, latency_summary, mint_user
from harness.stack import LauncherStack, StackConfig, run_dir

EVENT_PATH = "/_event"


def capture_handshake(url: str, user: User) -> dict[str, Any]:
    """The auth payload a real browser sends when it opens `/` (Reflex's hydrate)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
        context = browser.new_context()
        context.add_cookies([{"name": "session", "value": user.token, "url": url}])
        page = context.new_page()
        frames: list[str] = []

        def sent(payload: str | bytes) -> None:
            if isinstance(payload, str):
                frames.append(payload)

        page.on("websocket", lambda ws: ws.on("framesent", sent))
        page.goto(url + "/")
        deadline = time.monotonic() + 60
        while not any(f.startswith("40") for f in frames):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no socket.io CONNECT frame; saw {frames[:3]}")
            page.wait_for_timeout(100)  # lets Playwright deliver frame events
        browser.close()
    connect = next(f for f in frames if f.startswith("40"))
    body = connect[2:]
    if body.startswith("/"):  # a namespace before the comma
        body = body.split(",", 1)[1]
    auth: dict[str, Any] = json.loads(body)
    return auth


class _TimedClient(socketio.AsyncClient):
    """Sees each engine.io message first, as the raw text off the websocket: the watched
    titles are looked for there (a substring search) and the arrival time is taken
    before socket.io decodes it, so the 500th tab's time is not the clients' own JSON
    work on the other 499."""

    def __init__(self, seen: Callable[[str, float], None]) -> None:
        super().__init__(reconnection=False)
        self._seen = seen

    async def _handle_eio_message(self, data: Any) -> None:
        self._seen(data if isinstance(data, str) else "", time.perf_counter())
        await super()._handle_eio_message(data)


class Tab:
    """One simulated tab: a socket.io client on /_event with its own token."""

    def __init__(self, url: str, auth: dict[str, Any], user: User) -> None:
        self.url, self.user, self.auth = url, user, auth
        self.token = str(uuid.uuid4())  # the tab's identity: the socket URL's `token`
        self.client = _TimedClient(self._arrived)
        self.seen: dict[str, float] = {}
        self.hydrated = asyncio.Event()
        self.client.on("event", self._on_event, namespace=EVENT_PATH)

    def _arrived(self, text: str, now: float) -> None:
        for title, probe in WATCHED.items():
            if title in text and title not in self.seen:
                self.seen[title] = now
                probe.arrived()

    async def _on_event(self, update: Any) -> None:
        self.hydrated.set()

    async def open(self) -> None:
        await self.client.connect(
            f"{self.url}?token={self.token}",
            socketio_path=EVENT_PATH,
            transports=["websocket"],
            namespaces=[EVENT_PATH],  # Reflex's namespace is its path
            headers={"Cookie": f"session={self.user.token}"},
            auth=self.auth,
            wait_timeout=60,
        )
        await asyncio.wait_for(self.hydrated.wait(), 60)

    async def close(self) -> None:
        await self.client.disconnect()


class Probe:
    """One listing being watched for: set once every tab has shown it."""

    def __init__(self, tabs: int) -> None:
        self.waiting = tabs
        self.all_seen = asyncio.Event()

    def arrived(self) -> None:
        self.waiting -= 1
        if self.waiting <= 0:
            self.all_seen.set()


WATCHED: dict[str, Probe] = {}


def list_requests(access_log: Path) -> int:
    if not access_log.exists():
        return 0
    return sum(1 for line in access_log.open() if '"GET /api/tickets?' in line)


async def quiet(count: Callable[[], int], still_for: float, timeout: float) -> float:
    """Seconds until `count()` has not changed for `still_for` seconds (or `timeout`)."""
    started = time.perf_counter()
    last, since = count(), time.perf_counter()
    while time.perf_counter() - since < still_for and time.perf_counter() - started < timeout:
        await asyncio.sleep(0.25)
        if (now := count()) != last:
            last, since = now, time.perf_counter()
    return time.perf_counter() - started


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection in this process while events are timed: a full collection
    over 500 socket clients' objects stopped every clock reading here for 100 ms or
    more at once (one slow "event" late in each run), the generator's pause, not the
    stack's. Ten events' garbage waits until after."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def measure(cfg: StackConfig, auth: dict[str, Any], tabs: int, events: int) -> dict[str, Any]:
    jwt_key = cfg.jwt_key()
    access_log = cfg.var / "log" / "nginx-access.log"
    async with Api(cfg.url, max_in_flight=50) as api:
        seller = await api.signup("tabs-seller")
        viewers = [mint_user(jwt_key, "viewer") for _ in range(tabs)]
        opened = [Tab(cfg.url, auth, v) for v in viewers]
        gets_at_start = list_requests(access_log)
        started = time.perf_counter()
        sem = asyncio.Semaphore(8)  # tabs arriving a few at a time, as people do

        async def open_one(tab: Tab) -> None:
            async with sem:
                await tab.open()

        await asyncio.gather(*(open_one(t) for t in opened))
        open_s = time.perf_counter() - started
        # Each tab's own first load fetches the list: let those finish before measuring.
        loaded = await quiet(lambda: list_requests(access_log), 3, 180)
        first_loads = list_requests(access_log) - gets_at_start
        latencies: list[float] = []
        per_event_gets: list[int] = []
        slowest: list[float] = []  # per event, ms: one slow event moves p95 at N tabs
        missing = 0
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        with collector_paused():
            for i in range(events):
                title = f"Live probe {uuid.uuid4().hex[:10]}"
                probe = WATCHED[title] = Probe(len(opened))
                await asyncio.sleep(0.5)  # let the previous event's fetches reach the log
                gets_before = list_requests(access_log)
                created = await api.create_ticket(seller, title, 1_000 + i)
                t0 = time.perf_counter()
                if created.status != 201:
                    raise RuntimeError(f"create: {created.status} {created.body}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(probe.all_seen.wait(), 15)
                arrivals = [tab.seen[title] - t0 for tab in opened if title in tab.seen]
                missing += len(opened) - len(arrivals)
                latencies += arrivals
                slowest.append(round(1000 * max(arrivals, default=0), 1))
                await asyncio.sleep(0.5)
                per_event_gets.append(list_requests(access_log) - gets_before)
        client_cpu = time.process_time() - cpu_before
        client_wall = time.perf_counter() - wall_before
        await asyncio.gather(*(t.close() for t in opened), return_exceptions=True)
    return {
        "tabs": tabs,
        "events": events,
        "open_all_tabs_s": round(open_s, 2),
        "first_loads_done_s": round(loaded, 2),
        "first_load_gets": first_loads,
        "event_to_screen_ms": latency_summary(latencies),
        "missed": missing,
        "list_gets_per_event": per_event_gets,
        "slowest_tab_per_event_ms": slowest,
        # The simulated tabs' own CPU while the events ran (one process: at most 1.0).
        "tab_clients_cores_busy": round(client_cpu / client_wall, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tabs", description=__doc__)
    parser.add_argument("--tabs", default="12,100,500", help="comma-separated tab counts")
    parser.add_argument("--events", type=int, default=20, help="listings per tab count")
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    out = run_dir("tabs")
    cfg = StackConfig.allocate(out / "stack", replicas=args.replicas)
    stack = LauncherStack(cfg)
    data: dict[str, Any] = {"run": out.name, "machine": report.machine(), "results": []}
    try:
        stack.start()
        data["cold_start"] = stack.wait_ready()
        probe = mint_user(cfg.jwt_key(), "probe")
        auth = capture_handshake(cfg.url, probe)
        (out / "handshake.json").write_text(json.dumps(auth, indent=1))
        data["handshake_keys"] = sorted(auth)
        for n in (int(x) for x in args.tabs.split(",")):
            result = asyncio.run(measure(cfg, auth, n, args.events))
            print(json.dumps(result), flush=True)
            data["results"].append(result)
    finally:
        stack.stop()
    lines = ["# Event → screen with many home-page tabs", ""]
    lines += [
        "| tabs | p50 ms | p95 ms | max ms | missed | list GETs per event | tab clients' cores |"
    ]
    lines += ["|---|---|---|---|---|---|---|"]
    for r in data["results"]:
        s = r["event_to_screen_ms"]
        lines.append(
            f"| {r['tabs']} | {s.get('p50')} | {s.get('p95')} | {s.get('max')} | "
            f"{r['missed']} | {r['list_gets_per_event']} | {r['tab_clients_cores_busy']} |"
        )
    report.write(out, "tabs", data, "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
