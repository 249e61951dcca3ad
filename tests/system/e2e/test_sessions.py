"""Sessions end: a copied cookie is refused by every service once its owner signs out."""

from __future__ import annotations

import uuid

import httpx

from tests.system.conftest import Stack, eventually


def _signed_up(stack: Stack) -> tuple[httpx.Client, str]:
    client = stack.client()
    email = f"copied-{uuid.uuid4().hex[:8]}@example.com"
    response = client.post("/api/users/signup", json={"email": email, "password": "password123"})
    assert response.status_code == 201, response.text
    return client, response.cookies["session"]


def test_a_copied_cookie_is_401_everywhere_after_sign_out(stack: Stack) -> None:
    owner, cookie = _signed_up(stack)
    stack.clients.append(owner)  # closed by the stack fixture
    with stack.client() as thief:
        thief.cookies.set("session", cookie)
        listed = thief.post("/api/tickets", json={"title": "Copied cookie gig", "price": 1500})
        assert listed.status_code == 201
        assert owner.post("/api/users/signout").status_code == 200
        # auth answers at once; the other services within their short revocation cache.
        assert thief.get("/api/users/currentuser").json() == {"currentUser": None}
        for path in ("/api/tickets/mine", "/api/orders"):

            def probe(path: str = path) -> httpx.Response:
                return thief.get(path)

            refused = eventually(probe, lambda r: r.status_code == 401)
            assert refused.json()["errors"][0]["message"] == "Not authorized"
