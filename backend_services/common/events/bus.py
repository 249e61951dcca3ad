"""The connection to NATS JetStream: kept alive in the background, never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import PubAck, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from contracts.events import Subject

log = logging.getLogger(__name__)

# One wildcard per subject family of the contract ("ticket.>", "order.>", ...).
STREAM_SUBJECTS = sorted({f"{subject.value.split('.')[0]}.>" for subject in Subject})
DEAD_LETTER_STREAM = "DEADLETTERS"
DUPLICATE_WINDOW_SECONDS = 600  # Nats-Msg-Id dedupe: longer than any relay retry
PUBLISH_TIMEOUT_SECONDS = 2.0
RECONNECT_WAIT_SECONDS = 0.5


class EventBus:
    """One NATS connection per process, with the JetStream stream ensured on connect."""

    def __init__(self, url: str, stream: str, client_name: str) -> None:
        self.url = url
        self.stream = stream
        self.client_name = client_name
        self._nc: NATS | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected and self._ready.is_set()

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("event bus not connected yet")
        return self._js

    async def start(self) -> None:
        self._task = asyncio.create_task(self._connect_until_up(), name="nats-connect")

    async def wait_ready(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    async def _connect_until_up(self) -> None:
        while True:
            try:
                self._nc = await nats.connect(
                    servers=[self.url],
                    name=self.client_name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=RECONNECT_WAIT_SECONDS,
                    connect_timeout=2,
                    error_cb=_log_error,
                    disconnected_cb=_logged("nats disconnected"),
                    reconnected_cb=self._on_reconnected,
                )
                self._js = self._nc.jetstream()
                await self.ensure_streams()
                self._ready.set()
                log.info("nats connected", extra={"url": self.url})
                return
            except Exception as exc:
                log.warning("nats not reachable yet: %s", exc)
                if self._nc is not None:
                    await self._nc.close()
                    self._nc = None
                await asyncio.sleep(1.0)

    async def _on_reconnected(self) -> None:
        log.info("nats reconnected")
        try:  # a NATS restarted without its store comes back without the stream
            await self.ensure_streams()
        except Exception as exc:
            log.warning("could not ensure streams after reconnect: %s", exc)

    async def ensure_streams(self) -> None:
        await _ensure_stream(
            self.js,
            StreamConfig(
                name=self.stream,
                subjects=STREAM_SUBJECTS,
                storage=StorageType.FILE,
                retention=RetentionPolicy.LIMITS,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
                max_age=7 * 24 * 3600,
            ),
        )
        await _ensure_stream(
            self.js,
            StreamConfig(
                name=DEAD_LETTER_STREAM,
                subjects=["deadletter.>"],
                storage=StorageType.FILE,
                max_age=30 * 24 * 3600,
            ),
        )

    async def publish(
        self, subject: str, data: bytes, msg_id: str, headers: dict[str, str] | None = None
    ) -> PubAck:
        all_headers = {"Nats-Msg-Id": msg_id, **(headers or {})}
        return await self.js.publish(
            subject, data, headers=all_headers, timeout=PUBLISH_TIMEOUT_SECONDS
        )

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._nc is not None and not self._nc.is_closed:
            # Not drain(): nats-py leaves the status replies of expired pull requests
            # unfinished in a pull subscription's queue, so drain() would wait out its
            # whole timeout (30 s). Consumers are stopped before this; flush sends
            # their last acks.
            with contextlib.suppress(Exception):
                await self._nc.flush(timeout=2)
            await self._nc.close()


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except BadRequestError:  # exists with another configuration: bring it up to date
        await js.update_stream(config)


async def _log_error(exc: Exception) -> None:
    log.warning("nats error: %s", exc)


def _logged(message: str) -> Callable[[], Awaitable[Any]]:
    async def callback() -> None:
        log.warning(message)

    return callback
