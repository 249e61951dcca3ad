from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend_services.tickets.main import create
from backend_services.tickets.settings import TicketsSettings
from harness.apps import make_settings, serve
from harness.people import Person


def tickets_settings(database_url: str, nats_url: str, **kw: Any) -> TicketsSettings:
    return make_settings(TicketsSettings, database_url=database_url, nats_url=nats_url, **kw)


@pytest.fixture
def app(database_url: str, nats_url: str) -> FastAPI:
    return create(tickets_settings(database_url, nats_url))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(app) as c:
        yield c


@pytest.fixture
def seller() -> Person:
    return Person("seller")


@pytest.fixture
def buyer() -> Person:
    return Person("buyer")
