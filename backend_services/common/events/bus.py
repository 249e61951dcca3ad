"""The connection to NATS JetStream: kept alive in the background, never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import PubAck, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from contracts.events import Subject

from ..settings import CommonSettings

log = logging.getLogger(__name__)

# One wildcard per subject family of the contract ("ticket.>", "order.>", ...).
STREAM_SUBJECTS = sorted({f"{subject.value.split('.')[0]}.>" for subject in Subject})
DEAD_LETTER_STREAM = "DEADLETTERS"
DUPLICATE_WINDOW_SECONDS = 600  # Nats-Msg-Id dedupe: longer than any relay retry
PUBLISH_TIMEOUT_SECONDS = 2.0
RECONNECT_WAIT_SECONDS = 0.5


@dataclass(frozen=True)
class StreamLimits:
    """How the streams are kept: copies on the cluster and size bounds (from settings)."""

    replicas: int = 1
    max_bytes: int = 1024**3
    deadletter_max_bytes: int = 256 * 1024**2


class EventBus:
    """One NATS connection per process, with the JetStream stream ensured on connect."""

    def __init__(
        self,
        url: str,
        stream: str,
        client_name: str,
        limits: StreamLimits | None = None,
        credentials: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.stream = stream
        self.client_name = client_name
        self.limits = limits or StreamLimits()
        # {"user", "password"}: the service's own bus identity (see infra/access.py).
        self._credentials = dict(credentials or {})
        self._nc: NATS | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: CommonSettings, client_name: str) -> EventBus:
        limits = StreamLimits(
            replicas=settings.nats_stream_replicas,
            max_bytes=settings.nats_stream_max_bytes,
            deadletter_max_bytes=settings.nats_deadletter_max_bytes,
        )
        return cls(
            settings.nats_url,
            settings.nats_stream,
            client_name,
            limits,
            credentials=settings.nats_credentials(),
        )

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
                    **self._credentials,
                )
                self._js = self._nc.jetstream()
                await self.ensure_streams()
                self._ready.set()
                log.info("nats connected", extra={"url": _without_password(self.url)})
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
                max_bytes=self.limits.max_bytes,
                num_replicas=self.limits.replicas,
            ),
        )
        await _ensure_stream(
            self.js,
            StreamConfig(
                name=DEAD_LETTER_STREAM,
                subjects=["deadletter.>"],
                storage=StorageType.FILE,
                max_age=30 * 24 * 3600,
                max_bytes=self.limits.deadletter_max_bytes,
                num_replicas=self.limits.replicas,
            ),
        )

    async def publish(
        self, subject: str, data: bytes, msg_id: str, headers: dict[str, str] | None = None
    ) -> PubAck:
        return await self.js.publish(
            subject, data, headers=_with_id(msg_id, headers), timeout=PUBLISH_TIMEOUT_SECONDS
        )

    async def publish_in_order(self, messages: Sequence[Outgoing]) -> int:
        """Publish these in order, pipelined: every one is sent before any ack is awaited
        (one round trip for the batch, not one per message). How many from the start
        JetStream acknowledged; after the first failure none counts, so the caller
        publishes again from there (a repeat of any later one is deduplicated)."""
        acks: list[asyncio.Future[PubAck]] = []
        try:
            for m in messages:
                try:
                    ack = await self.js.publish_async(
                        m.subject,
                        m.data,
                        headers=_with_id(m.msg_id, m.headers),
                        wait_stall=PUBLISH_TIMEOUT_SECONDS,
                    )
                except Exception as exc:  # sending failed: NATS went away mid-batch
                    log.warning("publish of %s %s failed, will retry: %s", m.subject, m.msg_id, exc)
                    break
                acks.append(ack)
            return await _acknowledged(acks, messages)
        finally:
            for ack in acks:
                ack.cancel()  # unanswered: frees its slot; a later repeat is deduplicated

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


@dataclass(frozen=True)
class Outgoing:
    """A message to publish, with its dedupe id (`Nats-Msg-Id`)."""

    subject: str
    data: bytes
    msg_id: str
    headers: dict[str, str] | None = None


def _with_id(msg_id: str, headers: dict[str, str] | None) -> dict[str, str]:
    return {"Nats-Msg-Id": msg_id, **(headers or {})}


async def _acknowledged(acks: Sequence[asyncio.Future[PubAck]], sent: Sequence[Outgoing]) -> int:
    deadline = asyncio.get_running_loop().time() + PUBLISH_TIMEOUT_SECONDS
    for n, ack in enumerate(acks):
        try:
            async with asyncio.timeout_at(deadline):
                await ack
        except Exception as exc:
            log.warning(
                "publish of %s %s failed, will retry: %s", sent[n].subject, sent[n].msg_id, exc
            )
            return n
    return len(acks)


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=f"{parts.username}:***@{parts.hostname}:{parts.port}").geturl()


async def _ensure_stream(js: JetStreamContext, wanted: StreamConfig) -> None:
    """Create the stream, or bring an existing one up to date without lowering its replicas.

    Replicas only go up here: a process started with an older or smaller setting
    (a rolling update, a local run against the cluster) must not shrink a stream
    the cluster keeps three copies of. Lowering them is an operator's decision.
    """
    try:
        existing = (await js.stream_info(wanted.name or "")).config
    except NotFoundError:
        await js.add_stream(wanted)
        return
    config = merged_stream_config(existing, wanted)
    if config != existing:
        await js.update_stream(config)


def merged_stream_config(existing: StreamConfig, wanted: StreamConfig) -> StreamConfig:
    """The existing stream with the fields we set taken from `wanted`, replicas never lowered."""
    owned = {k: v for k, v in vars(wanted).items() if v is not None and k != "num_replicas"}
    replicas = max(existing.num_replicas or 1, wanted.num_replicas or 1)
    if replicas != (wanted.num_replicas or 1):
        log.warning(
            "stream %s keeps its %d replicas (settings ask for %s)",
            wanted.name,
            replicas,
            wanted.num_replicas,
        )
    return dataclasses.replace(existing, **owned, num_replicas=replicas)


async def _log_error(exc: Exception) -> None:
    log.warning("nats error: %s", exc)


def _logged(message: str) -> Callable[[], Awaitable[Any]]:
    async def callback() -> None:
        log.warning(message)

    return callback
