"""`GET /api/events`: upcoming only, by start, text, city, dates and paging; bad values 400."""

from datetime import timedelta
from typing import Any

import httpx
import pytest

from harness.people import Person
from tests.catalog.support import API, Catalog, parse, show, when


async def add(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(API, json=show(**fields), headers=Person("o").headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def names(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get(API, params=params)
    assert response.status_code == 200, response.text
    return [e["name"] for e in response.json()]


@pytest.fixture
async def listed(catalog: Catalog) -> Catalog:
    client = catalog.client
    await add(client, name="Adele", venue="Wembley Stadium", city="London", starts_at=when(3))
    await add(client, name="Ballet Night", venue="Opéra Garnier", city="Paris", starts_at=when(1))
    await add(client, name="Coldplay", venue="Olympiastadion", city="Berlin", starts_at=when(9))
    await add(client, name="Élodie 100%", venue="The O2", city="LONDON", starts_at=when(6))
    await add(client, name="Derby", venue="London Road", city="Peterborough", starts_at=when(12))
    await catalog.insert_past("Adele (last year)")
    return catalog


async def test_upcoming_events_by_start_time_past_ones_left_out(listed: Catalog) -> None:
    assert await names(listed.client) == [
        "Ballet Night",
        "Adele",
        "Élodie 100%",
        "Coldplay",
        "Derby",
    ]


async def test_q_matches_name_or_venue_ignoring_case(listed: Catalog) -> None:
    assert await names(listed.client, q="ADELE") == ["Adele"]
    assert await names(listed.client, q="stadi") == ["Adele", "Coldplay"]  # venues
    assert await names(listed.client, q="london") == ["Derby"]  # venue, not city
    assert await names(listed.client, q="ÉLODIE") == ["Élodie 100%"]  # beyond ASCII
    assert await names(listed.client, q="opéra garnier") == ["Ballet Night"]
    assert await names(listed.client, q="100%") == ["Élodie 100%"]  # % is literal
    assert await names(listed.client, q="%") == ["Élodie 100%"]
    assert await names(listed.client, q="_") == []
    assert await names(listed.client, q="   ") == await names(listed.client)


async def test_city_is_exact_ignoring_case(listed: Catalog) -> None:
    assert await names(listed.client, city="london") == ["Adele", "Élodie 100%"]
    assert await names(listed.client, city=" London ") == ["Adele", "Élodie 100%"]
    assert await names(listed.client, city="Lond") == []
    assert await names(listed.client, city="Leeds") == []  # only the past event is there
    assert await names(listed.client, city="london", q="o2") == ["Élodie 100%"]


async def test_from_and_to_take_days_and_times(listed: Catalog) -> None:
    client = listed.client
    adele = parse(when(3))
    day = adele.date().isoformat()
    assert "Adele" in await names(client, **{"from": day, "to": day})
    assert await names(client, **{"from": when(2), "to": when(7)}) == ["Adele", "Élodie 100%"]
    assert await names(client, **{"from": when(8)}) == ["Coldplay", "Derby"]
    assert await names(client, to=when(2)) == ["Ballet Night"]
    events = (await client.get(API)).json()
    first = events[0]["startsAt"]
    # Both bounds include an event starting exactly on them.
    assert await names(client, **{"from": first, "to": first}) == ["Ballet Night"]
    just_after = (parse(first) + timedelta(seconds=1)).isoformat()
    assert "Ballet Night" not in await names(client, **{"from": just_after})
    # A window wholly in the past shows nothing: past events never appear.
    assert await names(client, **{"from": "2000-01-01", "to": "2000-12-31"}) == []


async def test_limit_and_offset_page_through_in_order(listed: Catalog) -> None:
    everything = await names(listed.client)
    pages = [await names(listed.client, limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert pages == [everything[0:2], everything[2:4], everything[4:5], []]


async def test_limit_defaults_to_50_and_may_be_100(client: httpx.AsyncClient) -> None:
    for i in range(51):
        await add(client, name=f"Show {i:02}", starts_at=when(1 + i / 100))
    assert len(await names(client)) == 50
    assert len(await names(client, limit=100)) == 51
    assert await names(client, limit=1, offset=50) == ["Show 50"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"limit": "0"}, ["limit"]),
        ({"limit": "101"}, ["limit"]),
        ({"limit": "ten"}, ["limit"]),
        ({"limit": "1.5"}, ["limit"]),
        ({"offset": "-1"}, ["offset"]),
        ({"offset": "99999999999999999999999"}, ["offset"]),
        ({"from": "soon"}, ["from"]),
        ({"from": "2030-02-30"}, ["from"]),
        ({"to": "2030-06-14T19:30"}, ["to"]),  # no offset
        ({"to": "9999-12-31T23:00:00-05:00"}, ["to"]),
        ({"from": "2030-06-15", "to": "2030-06-14"}, ["to"]),
        ({"q": "x" * 121}, ["q"]),
        ({"q": "a\x00b"}, ["q"]),
        ({"city": "c" * 121}, ["city"]),
        (
            {"limit": "0", "offset": "-1", "from": "x", "q": "\x00"},
            ["q", "from", "limit", "offset"],
        ),
    ],
)
async def test_bad_query_values_are_400_naming_each(
    client: httpx.AsyncClient, params: dict[str, str], fields: list[str]
) -> None:
    response = await client.get(API, params=params)
    assert response.status_code == 400, response.text
    assert sorted(e["field"] for e in response.json()["errors"]) == sorted(fields)


async def test_repeated_and_unknown_parameters_are_never_5xx(client: httpx.AsyncClient) -> None:
    for query in ("limit=1&limit=2", "q=a&q=b", "from=&to=", "sort=price", "city=%FF%FE"):
        response = await client.get(f"{API}?{query}")
        assert response.status_code in (200, 400), (query, response.text)
