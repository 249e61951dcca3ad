"""Direct access to the test NATS server: publish, read and reset the streams."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import nats
from nats.js.errors import NotFoundError

from backend_services.common.events.bus import DEAD_LETTER_STREAM


async def reset_streams(url: str, stream: str = "EVENTS") -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for name in (stream, DEAD_LETTER_STREAM):
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(name)
    finally:
        await nc.close()


async def stream_messages(
    url: str, subject: str = ">", stream: str = "EVENTS"
) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """Every message stored on the stream (subject, payload, headers), oldest first."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        out: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        if info.state.messages == 0:
            return out
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(stream, seq)
            except NotFoundError:
                continue
            if subject == ">" or msg.subject == subject:
                out.append(
                    (str(msg.subject), json.loads(msg.data or b"{}"), dict(msg.headers or {}))
                )
        return out
    finally:
        await nc.close()


async def publish(url: str, subject: str, payload: dict[str, Any], msg_id: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().publish(
            subject, json.dumps(payload).encode(), headers={"Nats-Msg-Id": msg_id}
        )
    finally:
        await nc.close()
