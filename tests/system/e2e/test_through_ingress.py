"""The contract's journeys over HTTP through the ingress of a `make run`-style stack."""

from __future__ import annotations

import httpx

from tests.system.conftest import Stack, eventually


def list_ticket(
    seller: httpx.Client, title: str = "Arctic Monkeys, row F", price: int = 4500
) -> dict:
    response = seller.post("/api/tickets", json={"title": title, "price": price})
    assert response.status_code == 201, response.text
    return response.json()


def ticket_status(client: httpx.Client, ticket_id: str) -> str:
    return str(client.get(f"/api/tickets/{ticket_id}").json()["status"])


def reserve(buyer: httpx.Client, ticket_id: str) -> httpx.Response:
    """Order a ticket as soon as orders has learnt about it (replication is async)."""
    return eventually(
        lambda: buyer.post("/api/orders", json={"ticketId": ticket_id}),
        lambda r: r.status_code != 404,
    )


def test_session_cookie_through_the_ingress(stack: Stack) -> None:
    with stack.client() as client:
        response = client.post(
            "/api/users/signup", json={"email": "Cookie@Example.com", "password": "password123"}
        )
        assert response.status_code in (201, 400)
        if response.status_code == 400:  # a rerun against the same stack
            response = client.post(
                "/api/users/signin", json={"email": "cookie@example.com", "password": "password123"}
            )
        cookie = response.headers["set-cookie"]
        for flag in ("session=", "HttpOnly", "Path=/", "SameSite=lax"):
            assert flag in cookie
        assert (
            client.get("/api/users/currentuser").json()["currentUser"]["email"]
            == "cookie@example.com"
        )


def test_unknown_api_route_is_a_json_404(stack: Stack) -> None:
    with stack.client() as client:
        for prefix in ("users", "tickets", "orders", "payments"):
            response = client.get(f"/api/{prefix}/no/such/route")
            assert response.status_code == 404
            assert response.json()["errors"][0]["message"]


def test_reserve_cancel_and_resell(stack: Stack) -> None:
    seller = stack.user("seller")
    buyer = stack.user("buyer")
    second = stack.user("second")
    ticket = list_ticket(seller)
    order = reserve(buyer, ticket["id"])
    assert order.status_code == 201, order.text
    eventually(lambda: ticket_status(seller, ticket["id"]), lambda s: s == "reserved")
    taken = second.post("/api/orders", json={"ticketId": ticket["id"]})
    assert taken.status_code == 409

    cancelled = buyer.delete(f"/api/orders/{order.json()['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    eventually(lambda: ticket_status(seller, ticket["id"]), lambda s: s == "available")

    again = second.post("/api/orders", json={"ticketId": ticket["id"]})
    assert again.status_code == 201, again.text
    eventually(lambda: ticket_status(seller, ticket["id"]), lambda s: s == "reserved")


def test_reserve_and_pay(stack: Stack) -> None:
    seller = stack.user("seller")
    buyer = stack.user("buyer")
    ticket = list_ticket(seller, price=12_345)
    order = reserve(buyer, ticket["id"]).json()
    payment = eventually(
        lambda: buyer.post("/api/payments", json={"orderId": order["id"], "token": "pm_card_visa"}),
        lambda r: r.status_code != 404,
    )
    assert payment.status_code == 201, payment.text
    body = payment.json()
    assert body["orderId"] == order["id"] and body["amount"] == order["total"] == 13_580  # all-in
    assert body["currency"] == "usd" and body["stripeId"]
    assert body["status"] == "authorized"  # orders decides; then payments captures
    eventually(
        lambda: buyer.get(f"/api/orders/{order['id']}").json()["status"],
        lambda s: s == "complete",
    )
    eventually(
        lambda: buyer.get("/api/payments", params={"orderId": order["id"]}).json(),
        lambda found: [p["status"] for p in found] == ["captured"],
    )
    eventually(lambda: ticket_status(seller, ticket["id"]), lambda s: s == "sold")
    again = buyer.post("/api/payments", json={"orderId": order["id"], "token": "pm_card_visa"})
    assert again.status_code == 409


def test_hold_expires_and_payment_is_refused(stack: Stack) -> None:
    seller = stack.user("seller")
    buyer = stack.user("buyer")
    ticket = list_ticket(seller)
    order = reserve(buyer, ticket["id"]).json()
    eventually(lambda: ticket_status(seller, ticket["id"]), lambda s: s == "reserved")
    window = stack.expiration_window
    eventually(
        lambda: buyer.get(f"/api/orders/{order['id']}").json()["status"],
        lambda s: s == "cancelled",
        timeout=window + 5,
        interval=0.2,
    )
    eventually(lambda: ticket_status(seller, ticket["id"]), lambda s: s == "available", timeout=3)
    refused = buyer.post("/api/payments", json={"orderId": order["id"], "token": "pm_card_visa"})
    assert refused.status_code == 409
