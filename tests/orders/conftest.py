from collections.abc import AsyncIterator

import httpx
import pytest

from harness.people import Person
from tests.orders.support import Orders, orders_settings, running


@pytest.fixture
async def orders(database_url: str, nats_url: str) -> AsyncIterator[Orders]:
    async with running(orders_settings(database_url, nats_url)) as service:
        yield service


@pytest.fixture
def client(orders: Orders) -> httpx.AsyncClient:
    return orders.client


@pytest.fixture
def seller() -> Person:
    return Person("seller")


@pytest.fixture
def buyer() -> Person:
    return Person("buyer")
