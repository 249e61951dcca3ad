"""`POST /api/listings`: one ticket per seat of one event, all or nothing, resale cap."""

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, func, select

from backend_services.common.events.tables import OutboxEvent
from backend_services.common.sessions import CurrentUser
from backend_services.tickets import listings
from backend_services.tickets.domain import SeatRef
from backend_services.tickets.main import create
from backend_services.tickets.models import Ticket
from harness.apps import runtime_of, serve
from harness.people import Person
from tests.support.bus import stream_messages
from tests.support.waiting import eventually
from tests.tickets.conftest import tickets_settings
from tests.tickets.events import known_event

API = "/api/listings"
SEATS = [{"section": "112", "row": "F", "seat": str(n)} for n in (7, 8, 9)]


async def post(client: httpx.AsyncClient, who: Person, **body: Any) -> httpx.Response:
    return await client.post(API, json=body, headers=who.headers)


async def test_a_listing_is_one_ticket_per_seat(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    event_id = await known_event(app, nats_url, name="Coldplay")
    response = await post(client, seller, eventId=event_id, price=5000, seats=SEATS)
    assert response.status_code == 201, response.text
    listing = response.json()
    assert set(listing) == {"id", "eventId", "price", "allInPrice", "tickets"}
    assert (listing["eventId"], listing["price"], listing["allInPrice"]) == (event_id, 5000, 5500)
    tickets = listing["tickets"]
    assert [(t["section"], t["row"], t["seat"]) for t in tickets] == [
        ("112", "F", "7"),
        ("112", "F", "8"),
        ("112", "F", "9"),
    ]
    assert {t["listingId"] for t in tickets} == {listing["id"]}
    assert {(t["eventId"], t["price"], t["allInPrice"], t["userId"]) for t in tickets} == {
        (event_id, 5000, 5500, seller.id)
    }
    assert tickets[0]["title"] == "Coldplay — Section 112, Row F, Seat 7"
    assert {t["status"] for t in tickets} == {"available"}
    created = await eventually(
        lambda: stream_messages(nats_url, "ticket.created"), lambda m: len(m) == 3
    )
    assert {p["id"] for _, p, _ in created} == {t["id"] for t in tickets}
    assert {p["listingId"] for _, p, _ in created} == {listing["id"]}
    shown = await client.get("/api/tickets", params={"eventId": event_id})
    assert {t["id"] for t in shown.json()} == {t["id"] for t in tickets}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seats": []}, "seats"),
        ({"seats": [{"seat": str(n)} for n in range(11)]}, "seats"),
        ({"seats": [{"row": "F", "seat": "7"}, {"row": " f ", "seat": "7"}]}, "seats"),
        ({"seats": [{}, {}]}, "seats"),
        ({"seats": "A1"}, "seats"),
        ({"seats": ["A1"]}, "seats"),
        ({"seats": [{"seat": "x" * 21}]}, "seats.seat"),
        ({"seats": [{"section": "\u0007"}]}, "seats.section"),
        ({"price": 49}, "price"),
        ({"price": "5000"}, "price"),
        ({"faceValue": 1.5}, "faceValue"),
        ({"eventId": None}, "eventId"),
        ({"eventId": "0" * 32}, "eventId"),
    ],
)
async def test_bad_listings_are_refused_whole(
    app: FastAPI,
    client: httpx.AsyncClient,
    nats_url: str,
    seller: Person,
    change: dict,
    field: str,
) -> None:
    event_id = await known_event(app, nats_url)
    body = {"eventId": event_id, "price": 5000, "seats": SEATS, **change}
    response = await client.post(API, json=body, headers=seller.headers)
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await client.get("/api/tickets/mine", headers=seller.headers)).json() == []


async def test_ten_seats_at_most_and_a_session_required(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    event_id = await known_event(app, nats_url)
    ten = [{"seat": str(n)} for n in range(10)]
    body = {"eventId": event_id, "price": 5000, "seats": ten}
    assert (await client.post(API, json=body)).status_code == 401
    response = await client.post(API, json=body, headers=seller.headers)
    assert response.status_code == 201 and len(response.json()["tickets"]) == 10


class CrashingSeats(Sequence[SeatRef]):
    """Seats that pass the checks, then fail while the third ticket is being written."""

    def __init__(self, seats: list[SeatRef]) -> None:
        self.seats, self.passes = seats, 0

    def __len__(self) -> int:
        return len(self.seats)

    def __getitem__(self, index: Any) -> Any:
        return self.seats[index]

    def __iter__(self) -> Iterator[SeatRef]:
        self.passes += 1
        for n, seat in enumerate(self.seats):
            if self.passes > 1 and n == 2:
                raise RuntimeError("crash after two tickets")
            yield seat


async def test_a_crash_midway_leaves_no_ticket_and_no_event(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str
) -> None:
    event_id = await known_event(app, nats_url)
    engine = runtime_of(app).engine
    seats = CrashingSeats([SeatRef("A", "1", str(n)) for n in range(3)])
    with pytest.raises(RuntimeError):
        listings.create_listing(
            engine,
            runtime_of(app).settings.fees,
            None,
            CurrentUser("u", "u@x"),
            event_id,
            5000,
            seats,
        )
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Ticket)).one() == 0
        assert session.exec(select(func.count()).select_from(OutboxEvent)).one() == 0


@pytest.mark.parametrize(
    ("price", "face_value", "status", "field"),
    [
        (6000, 5000, 201, None),  # exactly 120 %
        (6001, 5000, 400, "price"),
        (6000, None, 400, "faceValue"),
        (50, 50, 201, None),
    ],
)
async def test_the_resale_cap(
    database_url: str,
    nats_url: str,
    seller: Person,
    price: int,
    face_value: int | None,
    status: int,
    field: str | None,
) -> None:
    app = create(tickets_settings(database_url, nats_url, resale_cap_percent=120))
    async with serve(app) as client:
        event_id = await known_event(app, nats_url)
        body = {"eventId": event_id, "price": price, "seats": SEATS[:1], "faceValue": face_value}
        response = await client.post(API, json=body, headers=seller.headers)
        assert response.status_code == status, response.text
        if field:
            assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_no_cap_unless_set(
    app: FastAPI, client: httpx.AsyncClient, nats_url: str, seller: Person
) -> None:
    event_id = await known_event(app, nats_url)
    body = {"eventId": event_id, "price": 100_000, "seats": SEATS[:1], "faceValue": 1000}
    assert (await client.post(API, json=body, headers=seller.headers)).status_code == 201
