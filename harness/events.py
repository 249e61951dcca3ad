"""Watching the event bus from outside: a live tap and a full read of the stream.

The tap is a plain NATS subscription on the stream's subjects (JetStream still
delivers every stored message to core subscribers), stamped with the local wall
clock on arrival; services stamp `expiresAt` with the same clock, so lateness can
be computed to the millisecond. `read_stream` reads every stored message back
with its `Nats-Msg-Id` header and server timestamp.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from backend_services.common.events.bus import STREAM_SUBJECTS

SUBJECTS = STREAM_SUBJECTS  # every subject family of the contract
STREAM = "EVENTS"


@dataclass
class Seen:
    subject: str
    payload: dict[str, Any]
    arrived: float  # time.time()
    msg_id: str | None


@dataclass
class EventTap:
    url: str
    events: list[Seen] = field(default_factory=list)
    _nc: NATS | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> EventTap:
        self._nc = await nats.connect(
            self.url, name="bench-tap", max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        for subject in SUBJECTS:
            await self._nc.subscribe(subject, cb=self._on_msg)
        await self._nc.flush()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._nc is not None:
            await self._nc.close()

    async def _on_msg(self, msg: Msg) -> None:
        arrived = time.time()
        try:
            payload = json.loads(msg.data)
        except ValueError:
            payload = {"_raw": msg.data[:200].decode(errors="replace")}
        msg_id = (msg.headers or {}).get("Nats-Msg-Id")
        self.events.append(Seen(msg.subject, payload, arrived, msg_id))
        self._changed.set()

    def matching(
        self, subject: str, where: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> list[Seen]:
        return [e for e in self.events if e.subject == subject and where(e.payload)]

    async def wait_for(self, check: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not check():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))
        return True


@dataclass
class StoredEvent:
    seq: int
    subject: str
    payload: dict[str, Any]
    msg_id: str | None
    time: datetime | None


async def read_stream(url: str, stream: str = STREAM, batch: int = 200) -> list[StoredEvent]:
    """Every message stored in the stream, in sequence order."""
    nc = await nats.connect(url, name="bench-reader")
    try:
        jsm = nc.jsm()
        info = await jsm.stream_info(stream)
        first, last = info.state.first_seq, info.state.last_seq
        out: list[StoredEvent] = []

        async def get(seq: int) -> StoredEvent | None:
            try:
                raw = await jsm.get_msg(stream, seq)
            except Exception:
                return None
            try:
                payload = json.loads(raw.data or b"{}")
            except ValueError:
                payload = {}
            headers = raw.headers or {}
            return StoredEvent(
                seq, raw.subject or "", payload, headers.get("Nats-Msg-Id"), raw.time
            )

        for start in range(first, last + 1, batch):
            chunk = await asyncio.gather(
                *(get(s) for s in range(start, min(start + batch, last + 1)))
            )
            out.extend(e for e in chunk if e is not None)
        return out
    finally:
        await nc.close()


async def consumer_states(url: str, stream: str = STREAM) -> dict[str, dict[str, int]]:
    """Pending and unacknowledged counts of every durable consumer on the stream."""
    nc = await nats.connect(url, name="bench-reader")
    try:
        jsm = nc.jsm()
        out = {}
        for info in await jsm.consumers_info(stream):
            if not info.config.durable_name:
                continue  # e.g. the UI processes' ordered consumers, which come and go
            out[info.name] = {
                "num_pending": info.num_pending or 0,
                "num_ack_pending": info.num_ack_pending or 0,
                "num_redelivered": info.num_redelivered or 0,
                "delivered_stream_seq": info.delivered.stream_seq if info.delivered else 0,
                "ack_floor_stream_seq": info.ack_floor.stream_seq if info.ack_floor else 0,
            }
        return out
    finally:
        await nc.close()


def parse_time(value: str) -> float:
    """An ISO-8601 UTC string from the API as a POSIX timestamp."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:  # the contract says UTC with an offset; be lenient when reading
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
