"""A write is conditional on the version read: a concurrent writer is never overwritten."""

import asyncio

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from backend_services.common.db import transaction
from backend_services.tickets import repository
from backend_services.tickets.main import create
from backend_services.tickets.models import Ticket
from harness.apps import runtime_of, serve
from harness.people import Person
from tests.tickets.conftest import tickets_settings
from tests.tickets.test_tickets_api import API, listing


def write_after_someone_else(engine: Engine) -> tuple[int, str]:
    with transaction(engine) as session:
        repository.add(
            session, Ticket(title="Original", price=1000, all_in_price=1100, user_id="seller")
        )
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


async def test_update_from_a_stale_version_is_refused(
    client: httpx.AsyncClient, seller: Person
) -> None:
    ticket = await listing(client, seller)
    url = f"{API}/{ticket['id']}"
    assert (
        await client.put(
            url, json={"title": "A", "price": 3000, "version": 0}, headers=seller.headers
        )
    ).status_code == 200
    stale = await client.put(
        url, json={"title": "B", "price": 4000, "version": 0}, headers=seller.headers
    )
    assert stale.status_code == 409
    assert stale.json() == {
        "errors": [
            {
                "message": "Ticket was changed by someone else; reload and try again",
                "field": "version",
            }
        ]
    }
    assert (await client.get(url)).json()["title"] == "A"


async def test_concurrent_updates_from_one_read_one_wins(
    client: httpx.AsyncClient, seller: Person
) -> None:
    ticket = await listing(client, seller)
    url = f"{API}/{ticket['id']}"
    responses = await asyncio.gather(
        *(
            client.put(
                url,
                json={"title": f"Edit {i}", "price": 3000 + i, "version": 0},
                headers=seller.headers,
            )
            for i in range(8)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 7
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert (await client.get(url)).json() == winner
    assert winner["version"] == 1
