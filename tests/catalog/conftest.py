from collections.abc import AsyncIterator

import httpx
import pytest

from harness.people import Person
from tests.catalog.support import Catalog, catalog_settings, running


@pytest.fixture
async def catalog(database_url: str, nats_url: str) -> AsyncIterator[Catalog]:
    async with running(catalog_settings(database_url, nats_url)) as service:
        yield service


@pytest.fixture
def client(catalog: Catalog) -> httpx.AsyncClient:
    return catalog.client


@pytest.fixture
def organiser() -> Person:
    return Person("organiser")
