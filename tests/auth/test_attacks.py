"""Attacks on sign-in, sign-up and sessions, against the real service, Redis and databases."""

from __future__ import annotations

import asyncio

import httpx
import jwt
import pytest

from backend_services.auth.main import create
from backend_services.common.client_address import client_address, parse_networks
from harness.apps import JWT_KEY, serve
from tests.auth.conftest import auth_settings
from tests.support.hostile import json_body

SIGNUP = "/api/users/signup"
SIGNIN = "/api/users/signin"
SIGNOUT = "/api/users/signout"
CURRENT = "/api/users/currentuser"
PASSWORD = "correct-horse"


def _from(address: str) -> dict[str, str]:
    # The test client connects from 127.0.0.1, the trusted local ingress by default.
    return {"X-Forwarded-For": address}


async def test_forty_concurrent_wrong_signins_check_at_most_five_passwords(
    client: httpx.AsyncClient,
) -> None:
    await client.post(SIGNUP, json={"email": "victim@example.com", "password": PASSWORD})
    client.cookies.clear()
    attempts = [
        client.post(SIGNIN, json={"email": "victim@example.com", "password": f"guess-{i}"})
        for i in range(40)
    ]
    responses = await asyncio.gather(*attempts)
    codes = [r.status_code for r in responses]
    checked = [r for r in responses if r.status_code == 400]
    assert all(r.json()["errors"][0]["message"] == "Invalid credentials" for r in checked)
    assert len(checked) == 5, codes  # a 400 is only ever answered after a password check
    assert codes.count(429) == 35, codes
    # The owner is locked out too until the window passes: that is the contract's rule.
    owner = await client.post(SIGNIN, json={"email": "victim@example.com", "password": PASSWORD})
    assert owner.status_code == 429


async def test_spraying_one_password_over_many_emails_is_limited_per_address(
    database_url: str, nats_url: str, redis_url: str
) -> None:
    settings = auth_settings(database_url, nats_url, redis_url, signin_failures_per_address=10)
    async with serve(create(settings)) as client:
        sprays = [
            client.post(
                SIGNIN,
                json={"email": f"user{i}@example.com", "password": "Summer2024!"},
                headers=_from("203.0.113.7"),
            )
            for i in range(16)
        ]
        codes = sorted(r.status_code for r in await asyncio.gather(*sprays))
        assert codes == [400] * 10 + [429] * 6
        # Prepending a made-up address does not buy a fresh budget...
        forged = await client.post(
            SIGNIN,
            json={"email": "fresh@example.com", "password": "Summer2024!"},
            headers=_from("198.51.100.1, 203.0.113.7"),
        )
        assert forged.status_code == 429
        # ...while someone else, behind the same ingress, is not blocked.
        other = await client.post(
            SIGNIN,
            json={"email": "fresh@example.com", "password": "Summer2024!"},
            headers=_from("203.0.113.8"),
        )
        assert other.status_code == 400


async def test_signups_are_limited_per_address(
    database_url: str, nats_url: str, redis_url: str
) -> None:
    settings = auth_settings(database_url, nats_url, redis_url, signups_per_address=3)
    async with serve(create(settings)) as client:
        signups = [
            client.post(
                SIGNUP,
                json={"email": f"bot{i}@example.com", "password": PASSWORD},
                headers=_from("203.0.113.9"),
            )
            for i in range(5)
        ]
        responses = await asyncio.gather(*signups)
        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 201, 201, 429, 429]
        limited = next(r for r in responses if r.status_code == 429)
        assert limited.json()["errors"][0]["message"].startswith("Too many sign-ups")
        elsewhere = await client.post(
            SIGNUP,
            json={"email": "human@example.com", "password": PASSWORD},
            headers=_from("203.0.113.10"),
        )
        assert elsewhere.status_code == 201


def test_forwarded_for_is_believed_only_from_trusted_hops() -> None:
    local = parse_networks("127.0.0.1/32,::1/128")
    cluster = parse_networks("10.0.0.0/8")
    assert client_address("127.0.0.1", "203.0.113.7", local) == "203.0.113.7"
    assert client_address("127.0.0.1", "evil, 203.0.113.7", local) == "203.0.113.7"
    assert client_address("198.51.100.4", "203.0.113.7", local) == "198.51.100.4"
    assert client_address("10.1.2.3", "1.1.1.1, 203.0.113.7, 10.0.0.9", cluster) == "203.0.113.7"
    assert client_address("127.0.0.1", None, local) == "127.0.0.1"
    assert client_address("127.0.0.1", "127.0.0.1", local) == "127.0.0.1"


async def test_an_old_hash_is_replaced_at_sign_in(
    database_url: str, nats_url: str, redis_url: str
) -> None:
    from passlib.context import CryptContext
    from sqlmodel import Session, select

    from backend_services.auth.models import User
    from harness.apps import runtime_of

    app = create(auth_settings(database_url, nats_url, redis_url))
    async with serve(app) as client:
        await client.post(SIGNUP, json={"email": "old@example.com", "password": PASSWORD})
        engine = runtime_of(app).engine
        old = CryptContext(schemes=["argon2"]).hash(PASSWORD)  # the earlier 64 MiB default
        assert "m=65536" in old
        with Session(engine) as session:
            user = session.exec(select(User).where(User.email == "old@example.com")).one()
            user.password_hash = old
            session.add(user)
            session.commit()
        signin = await client.post(SIGNIN, json={"email": "old@example.com", "password": PASSWORD})
        assert signin.status_code == 200
        with Session(engine) as session:
            stored = session.exec(select(User).where(User.email == "old@example.com")).one()
        assert stored.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_a_copied_cookie_is_refused_after_sign_out(client: httpx.AsyncClient) -> None:
    await client.post(SIGNUP, json={"email": "fan@example.com", "password": PASSWORD})
    copied = client.cookies["session"]
    assert jwt.decode(copied, JWT_KEY, algorithms=["HS256"], audience="ticketing")["jti"]
    assert (await client.post(SIGNOUT)).status_code == 200
    client.cookies.set("session", copied)
    assert (await client.get(CURRENT)).json() == {"currentUser": None}
    # Signing out with the dead token again is harmless.
    assert (await client.post(SIGNOUT)).status_code == 200


async def test_sign_out_everywhere_ends_every_session(client: httpx.AsyncClient) -> None:
    await client.post(SIGNUP, json={"email": "fan@example.com", "password": PASSWORD})
    phone = client.cookies["session"]
    client.cookies.clear()
    await client.post(SIGNIN, json={"email": "fan@example.com", "password": PASSWORD})
    laptop = client.cookies["session"]
    out = await client.post("/api/users/signout/everywhere")
    assert out.status_code == 200
    for token in (phone, laptop):
        client.cookies.set("session", token)
        assert (await client.get(CURRENT)).json() == {"currentUser": None}
    client.cookies.clear()
    await client.post(SIGNIN, json={"email": "fan@example.com", "password": PASSWORD})
    me = (await client.get(CURRENT)).json()["currentUser"]
    assert me is not None and me["email"] == "fan@example.com"


async def test_without_redis_a_session_is_503_never_500_or_accepted(
    database_url: str, nats_url: str, redis_url: str
) -> None:
    async with serve(create(auth_settings(database_url, nats_url, redis_url))) as good:
        await good.post(SIGNUP, json={"email": "fan@example.com", "password": PASSWORD})
        cookie = good.cookies["session"]
    closed = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    async with serve(create(auth_settings(database_url, nats_url, closed))) as client:
        client.cookies.set("session", cookie)
        current = await client.get(CURRENT)
        assert current.status_code == 503
        assert current.json()["errors"][0]["field"] is None
        signin = await client.post(SIGNIN, json={"email": "fan@example.com", "password": "x"})
        assert signin.status_code == 503
        ready = await client.get("/api/users/readyz")  # reported, not a gate (as the bus)
        assert ready.json()["checks"]["redis"] not in ("ok", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "fan\x00@example.com", "password": PASSWORD}, "email"),
        ({"email": "fan@example.com", "password": "pass\x00word"}, "password"),
        ({"email": "fan@example.com", "password": "password\ud800"}, "password"),
        ({"email": "fan\u202e@example.com", "password": PASSWORD}, "email"),
        ({"email": "a" * 10_000 + "@example.com", "password": PASSWORD}, "email"),
        ({"email": "fan@example.com", "password": "p" * 10_000}, "password"),
    ],
)
async def test_hostile_strings_are_400_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    for path in (SIGNUP, SIGNIN):
        response = await client.post(path, **json_body(body))
        assert response.status_code == 400, (path, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field]
