"""E-ticket files: the seller puts one per ticket, the seller and its buyer read it.

An upload is stored under a new key first, then the ticket is switched to it
in one transaction that re-checks the rules (and publishes `ticket.updated`),
so a ticket always names a complete file, and a refused switch deletes the
upload. The previous file is deleted after the switch commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend_services.common.db import transaction
from backend_services.common.errors import Conflict, Forbidden, NotFound
from backend_services.common.sessions import CurrentUser

from . import repository
from .domain import TicketStatus, file_blocker, may_download
from .filestore import CHUNK_BYTES, FileInfo, FileStore
from .models import Ticket, TicketOrderVersion


@dataclass(frozen=True)
class Download:
    ticket_id: str
    info: FileInfo
    chunks: Iterator[bytes]


def check_upload(engine: Engine, seller: CurrentUser, ticket_id: str) -> None:
    """Refuse early (404, 403, 409), before any of the body is read."""
    with Session(engine) as session:
        _uploadable(repository.load(session, ticket_id), seller)


def attach(
    engine: Engine,
    store: FileStore,
    seller: CurrentUser,
    ticket_id: str,
    content_type: str,
    source: IO[bytes],
) -> Ticket:
    key = f"{ticket_id}-{uuid.uuid4().hex}"
    source.seek(0)
    store.put(key, content_type, iter(lambda: source.read(CHUNK_BYTES), b""))
    try:
        ticket, replaced = _switch(engine, seller, ticket_id, key)
    except BaseException:
        store.delete(key)
        raise
    if replaced is not None:
        store.delete(replaced)
    return ticket


def _switch(
    engine: Engine, seller: CurrentUser, ticket_id: str, key: str
) -> tuple[Ticket, str | None]:
    with transaction(engine) as session:
        ticket = _uploadable(repository.load(session, ticket_id, lock=True), seller)
        replaced, ticket.file_key = ticket.file_key, key
        repository.save_changes(session, ticket)  # locked: cannot be stale
    return ticket, replaced


def _uploadable(ticket: Ticket | None, seller: CurrentUser) -> Ticket:
    if ticket is None:
        raise NotFound("Ticket not found")
    if ticket.user_id != seller.id:
        raise Forbidden("Only the seller can upload the ticket's file")
    blocker = file_blocker(TicketStatus(ticket.status), ticket.has_file)
    if blocker:
        raise Conflict(blocker)
    return ticket


def open_download(engine: Engine, store: FileStore, user: CurrentUser, ticket_id: str) -> Download:
    with Session(engine) as session:
        ticket = repository.load(session, ticket_id)
        if ticket is None:
            raise NotFound("Ticket not found")
        order = session.get(TicketOrderVersion, ticket.order_id) if ticket.order_id else None
    buyer = order.user_id if order else None
    if not may_download(user.id, ticket.user_id, TicketStatus(ticket.status), buyer):
        raise Forbidden("Only the seller, and the buyer once paid, can download this ticket")
    info = store.info(ticket.file_key) if ticket.file_key else None
    if ticket.file_key is None or info is None:
        raise NotFound("The seller has not uploaded this ticket's file yet")
    return Download(ticket.id, info, store.read(ticket.file_key))
