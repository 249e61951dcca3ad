"""Hostile strings in listings: 400 naming the field, 404 for ids, never a 5xx
(SQLite and PostgreSQL)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from harness.people import Person
from tests.support.hostile import HOSTILE, json_request

API = "/api/tickets"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_titles_are_400(client: httpx.AsyncClient, seller: Person, kind: str) -> None:
    content, headers = json_request({"title": HOSTILE[kind], "price": 2000}, seller.headers)
    created = await client.post(API, content=content, headers=headers)
    assert created.status_code == 400, created.text
    assert [e["field"] for e in created.json()["errors"]] == ["title"]
    listed = await client.post(API, json={"title": "Gig", "price": 2000}, headers=seller.headers)
    ticket_id = listed.json()["id"]
    updated = await client.put(f"{API}/{ticket_id}", content=content, headers=headers)
    assert updated.status_code == 400, updated.text
    assert [e["field"] for e in updated.json()["errors"]] == ["title"]


@pytest.mark.parametrize("kind", ["nul", "rlo"])
async def test_hostile_search_is_400(client: httpx.AsyncClient, kind: str) -> None:
    response = await client.get(API, params={"q": HOSTILE[kind]})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["q"]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_ids_are_404(client: httpx.AsyncClient, kind: str) -> None:
    raw = HOSTILE[kind].encode("utf-8", "surrogatepass")
    response = await client.get(f"{API}/{quote(raw, safe='')}")
    assert response.status_code == 404, response.text
