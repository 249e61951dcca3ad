from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from backend_services.common.db import make_engine
from backend_services.common.events import EventBus


class Counter(SQLModel, table=True):
    """A side effect the consumer tests can count."""

    __tablename__ = "test_counter"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    SQLModel.metadata.create_all(
        engine,
        tables=[
            SQLModel.metadata.tables[t] for t in ("outbox", "processed_messages", "test_counter")
        ],
    )
    yield engine
    engine.dispose()


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[EventBus]:
    bus = EventBus(nats_url, "EVENTS", client_name="test")
    await bus.start()
    await bus.wait_ready(10)
    yield bus
    await bus.close()
