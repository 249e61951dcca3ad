from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from pydantic import ValidationError

from backend_services.common.app import create_app
from backend_services.common.runtime import ServiceSpec
from backend_services.common.sessions import SignedInUser
from backend_services.common.settings import ServiceSettings
from harness.apps import make_settings, serve


def test_weak_jwt_key_is_refused_outside_local() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        ServiceSettings(environment="production", jwt_key="short")
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        ServiceSettings(environment="production", jwt_key="")


def test_local_development_gets_a_random_key() -> None:
    one = ServiceSettings(environment="local", jwt_key="")
    assert len(one.jwt_key) >= 32


def test_postgres_urls_get_a_driver() -> None:
    s = ServiceSettings(environment="local", database_url="postgres://u:p@db/x")
    assert s.database_url == "postgresql+psycopg://u:p@db/x"


router = APIRouter()


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


@router.get("/private")
async def private(user: SignedInUser) -> dict[str, str]:
    return {"id": user.id}


@pytest.fixture
async def client(tmp_path: Path, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    # A real service's row and database, with this module's probe routes only.
    spec: ServiceSpec[ServiceSettings, None] = ServiceSpec(name="tickets", routers=[router])
    settings = make_settings(
        ServiceSettings, database_url=f"sqlite:///{tmp_path}/p.db", nats_url=nats_url
    )
    async with serve(create_app(spec, settings)) as c:
        yield c


async def test_unexpected_errors_are_500_without_internals(client: httpx.AsyncClient) -> None:
    transport = httpx.ASGITransport(app=client._transport.app, raise_app_exceptions=False)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/api/tickets/boom", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 500
    message = response.json()["errors"][0]["message"]
    assert "req-42" in message and "secret" not in message


async def test_protected_route_without_session_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tickets/private")
    assert response.status_code == 401
    assert response.json() == {"errors": [{"message": "Not authorized", "field": None}]}


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tickets/healthz", headers={"X-Request-Id": "abc"})
    assert response.headers["X-Request-Id"] == "abc"
