"""Orders of several tickets (CONTRACT §7): all or nothing, priced all-in, released and
paid as one. Real SQLite and PostgreSQL (every test runs on both), real NATS."""

import asyncio
from typing import Any

import httpx
import pytest

from harness.people import Person
from tests.orders.support import API, Orders, new_id, send, ticket_created
from tests.support.bus import stream_messages
from tests.support.waiting import eventually


async def listed(orders: Orders, nats_url: str, seller: Person, *prices: int) -> list[str]:
    """Tickets the orders replica knows, one per price."""
    ids = [new_id() for _ in prices]
    for n, (ticket_id, price) in enumerate(zip(ids, prices, strict=True)):
        await send(nats_url, "ticket.created", ticket_created(ticket_id, seller.id, f"S{n}", price))
    for ticket_id in ids:
        await orders.replica_at(ticket_id, 0)
    return ids


async def order(client: httpx.AsyncClient, buyer: Person, ids: list[str]) -> httpx.Response:
    return await client.post(API, json={"ticketIds": ids}, headers=buyer.headers)


async def events(nats_url: str, subject: str, order_id: str) -> list[dict[str, Any]]:
    return [p for _, p, _ in await stream_messages(nats_url, subject) if p["id"] == order_id]


async def test_an_order_holds_several_tickets_at_their_all_in_price(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    ids = await listed(orders, nats_url, seller, 2005, 4999, 1000)
    asked = [ids[1], ids[0], ids[2]]  # the buyer's order is kept; the first is `ticket`
    placed = await order(orders.client, buyer, asked)
    assert placed.status_code == 201, placed.text
    body = placed.json()
    prices = {ids[0]: 2005, ids[1]: 4999, ids[2]: 1000}
    titles = {ids[0]: "S0", ids[1]: "S1", ids[2]: "S2"}
    tickets = [{"id": t, "title": titles[t], "price": prices[t]} for t in asked]
    assert body["tickets"] == tickets and body["ticket"] == tickets[0]
    # 10 % per ticket, rounded half up: 499.9 -> 500, 200.5 -> 201, 100.
    assert (body["subtotal"], body["fee"], body["total"]) == (8004, 801, 8805)
    shown = await orders.client.get(f"{API}/{body['id']}", headers=buyer.headers)
    assert shown.json() == body
    [created] = await eventually(lambda: events(nats_url, "order.created", body["id"]))
    assert created["tickets"] == [{"id": t, "price": prices[t]} for t in asked]
    assert created["ticket"] == {"id": asked[0], "price": 4999}
    assert created["total"] == 8805


async def test_one_held_ticket_means_nothing_is_held(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    a, b, c = await listed(orders, nats_url, seller, 2000, 2000, 2000)
    first = await order(orders.client, Person("first"), [b])
    assert first.status_code == 201
    refused = await order(orders.client, buyer, [a, b, c])
    assert refused.status_code == 409
    assert refused.json() == {
        "errors": [{"message": "Ticket is already reserved", "field": "ticketIds"}]
    }
    assert (await orders.client.get(API, headers=buyer.headers)).json() == []
    # a and c were never held: another buyer takes both at once.
    assert (await order(orders.client, Person("other"), [c, a])).status_code == 201


async def test_cancelling_releases_every_ticket_and_says_so(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    ids = await listed(orders, nats_url, seller, 2000, 3000)
    body = (await order(orders.client, buyer, ids)).json()
    cancelled = await orders.client.delete(f"{API}/{body['id']}", headers=buyer.headers)
    assert cancelled.json()["status"] == "cancelled"
    [event] = await eventually(lambda: events(nats_url, "order.cancelled", body["id"]))
    assert event == {
        "id": body["id"],
        "version": 1,
        "ticket": {"id": ids[0]},
        "tickets": [{"id": ids[0]}, {"id": ids[1]}],
    }
    assert (await order(orders.client, Person("next"), ids[::-1])).status_code == 201


async def test_the_total_pays_for_the_whole_order(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    ids = await listed(orders, nats_url, seller, 2000, 3000)
    body = (await order(orders.client, buyer, ids)).json()
    assert body["total"] == 5500
    short = {"id": new_id(), "orderId": body["id"], "stripeId": "pi", "amount": body["subtotal"]}
    await send(nats_url, "payment.authorized", short)
    [rejected] = await eventually(lambda: events(nats_url, "order.payment_rejected", body["id"]))
    assert rejected["reason"] == "amount_mismatch"
    paid = {"id": new_id(), "orderId": body["id"], "stripeId": "pi", "amount": body["total"]}
    await send(nats_url, "payment.authorized", paid)
    [completed] = await eventually(lambda: events(nats_url, "order.completed", body["id"]))
    assert completed["tickets"] == [{"id": ids[0]}, {"id": ids[1]}]
    assert completed["userId"] == buyer.id and completed["paymentId"] == paid["id"]
    sold = await order(orders.client, Person("late"), [ids[1]])
    assert sold.json()["errors"][0]["message"] == "Ticket has already been sold"


HOSTILE: list[Any] = [
    [],
    [None],
    [1, 2],
    [[]],
    [{"id": "x"}],
    [""],
    ["   "],
    "not-a-list",
    {"0": "x"},
    True,
    None,
]


async def test_hostile_lists_are_400_naming_ticket_ids(
    orders: Orders, nats_url: str, seller: Person, buyer: Person
) -> None:
    ids = await listed(orders, nats_url, seller, *([2000] * 11))
    cases = [*HOSTILE, [ids[0], ids[0]], [ids[0], f" {ids[0]} "], ids]  # dupes, 11 ids
    for bad in cases:
        refused = await orders.client.post(API, json={"ticketIds": bad}, headers=buyer.headers)
        assert refused.status_code == 400, (bad, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == ["ticketIds"], bad
    both = {"ticketIds": [ids[0]], "ticketId": ids[0]}
    refused = await orders.client.post(API, json=both, headers=buyer.headers)
    assert refused.json()["errors"][0]["field"] == "ticketIds"
    for odd in ([ids[0], new_id()], [ids[0], "../../etc"], [ids[0], "x" * 500]):
        missing = await order(orders.client, buyer, odd)
        assert missing.status_code == 404, odd
    own = await order(orders.client, seller, ids[:2])
    assert own.status_code == 400
    assert own.json()["errors"] == [
        {"message": "You cannot buy your own ticket", "field": "ticketIds"}
    ]
    assert (await orders.client.get(API, headers=buyer.headers)).json() == []
    assert (await order(orders.client, buyer, ids[:10])).status_code == 201


@pytest.mark.parametrize("buyers", [50])
async def test_buyers_racing_for_overlapping_seats(
    orders: Orders, nats_url: str, seller: Person, buyers: int
) -> None:
    """Buyer i wants seats {i, i+1} (half of them name the pair backwards): no seat ends up
    in two orders, every winner holds both seats, every loser holds nothing."""
    seats = await listed(orders, nats_url, seller, *([2000] * (buyers + 1)))
    people = [Person(f"racer{i}") for i in range(buyers)]
    wanted = [[seats[i], seats[i + 1]][:: 1 if i % 2 else -1] for i in range(buyers)]
    answers = await asyncio.gather(
        *(order(orders.client, p, w) for p, w in zip(people, wanted, strict=True))
    )
    assert {a.status_code for a in answers} <= {201, 409}, [a.text for a in answers]
    winners = [a.json() for a in answers if a.status_code == 201]
    assert winners, "someone must win"
    held = [t["id"] for w in winners for t in w["tickets"]]
    assert len(held) == len(set(held)) == 2 * len(winners)
    for person, answer, want in zip(people, answers, wanted, strict=True):
        mine = (await orders.client.get(API, headers=person.headers)).json()
        if answer.status_code == 201:
            assert [[t["id"] for t in o["tickets"]] for o in mine] == [want]
        else:
            assert mine == []
    # Any free seat can still be bought: nothing is left half-held.
    free = [s for s in seats if s not in held]
    for seat in free:
        assert (await order(orders.client, Person("after"), [seat])).status_code == 201
