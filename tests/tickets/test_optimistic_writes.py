"""A write is conditional on the version read: a concurrent writer is never overwritten."""

import asyncio

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from backend_services.common.db import transaction
from backend_services.tickets import repository
from backend_services.tickets.main import create
from backend_services.tickets.models import Ticket
from harness.apps import runtime_of, serve
from tests.tickets.conftest import tickets_settings


def write_after_someone_else(engine: Engine) -> tuple[int, str]:
    with transaction(engine) as session:
        repository.add(session, Ticket(title="Original", price=1000, user_id="seller"))
        ticket_id = session.exec(select(Ticket.id)).one()
    with transaction(engine) as session:
        mine = repository.load(session, ticket_id)
        assert mine is not None
    with transaction(engine) as session:  # someone else writes in between
        theirs = repository.load(session, ticket_id)
        assert theirs is not None
        theirs.title = "Theirs"
        repository.save_changes(session, theirs)
    mine.title = "Mine"
    with pytest.raises(repository.StaleTicket), transaction(engine) as session:
        repository.save_changes(session, mine)
    with transaction(engine) as session:
        final = repository.load(session, ticket_id)
        assert final is not None
        return final.version, final.title


async def test_a_write_from_a_stale_read_fails(database_url: str, nats_url: str) -> None:
    app = create(tickets_settings(database_url, nats_url))
    async with serve(app):
        outcome = await asyncio.to_thread(write_after_someone_else, runtime_of(app).engine)
    assert outcome == (1, "Theirs")
