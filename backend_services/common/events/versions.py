"""Applying versioned events in order: version n only after n-1.

`check_version` is the whole rule; `retry_with_backoff` stretches a handler's
`Retry` delays with the delivery attempt, so a gap that takes a while to fill
(e.g. an earlier event being redelivered) is waited for over minutes rather
than seconds before the event is dead-lettered.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from contracts.events import Event, Subject

from ..db import Replica
from .consumer import ApplyFn, Consumer, Delivery, Handler, Retry, idempotent

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


def replica_consumer(name: str, engine: Engine, appliers: Mapping[Subject, ApplyFn]) -> Consumer:
    """The usual consumer: each subject applied once per event id (inbox row in the same
    transaction), a version gap retried with back-off."""
    handlers = {
        subject.value: retry_with_backoff(idempotent(engine, name, apply))
        for subject, apply in appliers.items()
    }
    return Consumer(name, handlers)


def in_order(applied: int | None, incoming: int, what: str) -> bool:
    """True: apply it now; False: a repeat or older, acknowledge without effect.

    An earlier version still missing raises `Retry`, so the event comes back later.
    """
    check = check_version(applied, incoming)
    if check is VersionCheck.WAIT:
        expected = 0 if applied is None else applied + 1
        raise Retry(f"{what} v{incoming} arrived before v{expected}")
    return check is VersionCheck.APPLY


R = TypeVar("R", bound=Replica)


def insert_once(session: Session, row: Replica) -> bool:
    """Add a replica's first version unless its id is there already (False): a repeated
    creation (a new message id for the same event) changes nothing, and a replica
    only moves forward through later versions (`lock_next`)."""
    if session.get(type(row), row.id) is not None:
        return False
    session.add(row)
    return True


def lock_next(session: Session, model: type[R], key: str, version: int, what: str) -> R | None:
    """The replica row `key`, locked and set to `version` if that is the next one to
    apply; None for a repeat or an older version. A row not yet created, or an earlier
    version missing, raises `Retry`: the event comes back later."""
    replica = session.get(model, key, with_for_update=True)
    if replica is None:
        raise Retry(f"{what} v{version} arrived before its creation")
    if not in_order(replica.version, version, what):
        return None
    replica.version = version
    return replica
