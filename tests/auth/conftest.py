from collections.abc import AsyncIterator

import httpx
import pytest

from backend_services.auth.main import create
from backend_services.auth.settings import AuthSettings
from harness.apps import make_settings, serve


def auth_settings(database_url: str, nats_url: str, redis_url: str, **kw: object) -> AuthSettings:
    return make_settings(
        AuthSettings, database_url=database_url, nats_url=nats_url, redis_url=redis_url, **kw
    )


@pytest.fixture
async def client(
    database_url: str, nats_url: str, redis_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create(auth_settings(database_url, nats_url, redis_url))) as c:
        yield c
