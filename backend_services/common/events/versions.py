"""Applying versioned events in order: version n only after n-1.

`check_version` is the whole rule; `retry_with_backoff` stretches a handler's
`Retry` delays with the delivery attempt, so a gap that takes a while to fill
(e.g. an earlier event being redelivered) is waited for over minutes rather
than seconds before the event is dead-lettered.
"""

from __future__ import annotations

from enum import StrEnum

from contracts.events import Event

from .consumer import Delivery, Handler, Retry

MAX_RETRY_DELAY_SECONDS = 30.0


class VersionCheck(StrEnum):
    APPLY = "apply"  # the next version: apply it
    IGNORE = "ignore"  # already applied (a repeat) or older: acknowledge, no effect
    WAIT = "wait"  # an earlier version is missing: deliver again later


def check_version(applied: int | None, incoming: int) -> VersionCheck:
    """Where `incoming` stands against the last applied version (None: nothing yet)."""
    expected = 0 if applied is None else applied + 1
    if incoming < expected:
        return VersionCheck.IGNORE
    if incoming == expected:
        return VersionCheck.APPLY
    return VersionCheck.WAIT


def retry_with_backoff(handler: Handler, cap: float = MAX_RETRY_DELAY_SECONDS) -> Handler:
    """Double a `Retry`'s delay on every delivery attempt, up to `cap` seconds."""

    async def wrapped(event: Event, delivery: Delivery) -> None:
        try:
            await handler(event, delivery)
        except Retry as retry:
            delay = min(retry.delay * 2 ** max(delivery.attempt - 1, 0), cap)
            raise Retry(str(retry), delay) from None

    return wrapped
