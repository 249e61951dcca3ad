import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from backend_services.auth.main import create
from harness.apps import JWT_KEY, serve
from tests.auth.conftest import auth_settings

SIGNUP = "/api/users/signup"
SIGNIN = "/api/users/signin"
CURRENT = "/api/users/currentuser"


async def signup(
    client: httpx.AsyncClient, email: str = "fan@example.com", password: str = "correct-horse"
) -> httpx.Response:
    return await client.post(SIGNUP, json={"email": email, "password": password})


async def test_signup_creates_user_and_sets_session_cookie(client: httpx.AsyncClient) -> None:
    response = await signup(client, email="  Fan@Example.COM ")
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "fan@example.com" and body["id"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "Path=/" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    current = await client.get(CURRENT)
    assert current.json() == {"currentUser": {"id": body["id"], "email": "fan@example.com"}}


async def test_secure_cookie_when_configured(
    database_url: str, nats_url: str, redis_url: str
) -> None:
    settings = auth_settings(database_url, nats_url, redis_url, cookie_secure=True)
    async with serve(create(settings)) as client:
        response = await signup(client)
    assert "Secure" in response.headers["set-cookie"]


async def test_signup_lists_every_invalid_field(client: httpx.AsyncClient) -> None:
    response = await client.post(SIGNUP, json={"email": "not-an-email", "password": "short"})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"message": "Email must be valid", "field": "email"},
            {"message": "Password must be between 8 and 128 characters", "field": "password"},
        ]
    }


@pytest.mark.parametrize("password", ["x" * 7, "x" * 129])
async def test_password_length_bounds(client: httpx.AsyncClient, password: str) -> None:
    response = await signup(client, password=password)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "password"


async def test_missing_fields_and_bad_json_are_400(client: httpx.AsyncClient) -> None:
    missing = await client.post(SIGNUP, json={})
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} == {"email", "password"}
    bad = await client.post(
        SIGNUP, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["message"]


async def test_email_in_use_is_case_insensitive(client: httpx.AsyncClient) -> None:
    assert (await signup(client, email="dup@example.com")).status_code == 201
    again = await signup(client, email="DUP@example.com")
    assert again.status_code == 400
    assert again.json() == {"errors": [{"message": "Email in use", "field": "email"}]}


async def test_concurrent_signups_with_one_email_one_wins(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(*(signup(client, email="race@example.com") for _ in range(6)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 400, 400, 400, 400, 400]


async def test_signin_and_signout(client: httpx.AsyncClient) -> None:
    await signup(client)
    client.cookies.clear()
    response = await client.post(
        SIGNIN, json={"email": "FAN@example.com ", "password": "correct-horse"}
    )
    assert response.status_code == 200
    assert response.json()["email"] == "fan@example.com"
    assert "HttpOnly" in response.headers["set-cookie"]
    out = await client.post("/api/users/signout")
    assert out.status_code == 200 and out.json() == {}
    assert 'session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert (await client.get(CURRENT)).json() == {"currentUser": None}


async def test_unknown_email_and_wrong_password_look_the_same(client: httpx.AsyncClient) -> None:
    await signup(client)
    wrong = await client.post(
        SIGNIN, json={"email": "fan@example.com", "password": "wrong-password"}
    )
    unknown = await client.post(
        SIGNIN, json={"email": "nobody@example.com", "password": "wrong-password"}
    )
    assert wrong.status_code == unknown.status_code == 400
    assert (
        wrong.json()
        == unknown.json()
        == {"errors": [{"message": "Invalid credentials", "field": None}]}
    )


async def test_signin_is_throttled_after_five_failures_across_replicas(
    database_url: str, nats_url: str, redis_url: str
) -> None:
    settings = auth_settings(database_url, nats_url, redis_url)
    async with serve(create(settings)) as one, serve(create(settings)) as two:
        await signup(one)
        for replica in (one, two, one, two, one):
            bad = await replica.post(
                SIGNIN, json={"email": "fan@example.com", "password": "nope-nope"}
            )
            assert bad.status_code == 400
        blocked = await two.post(
            SIGNIN, json={"email": "fan@example.com", "password": "correct-horse"}
        )
        assert blocked.status_code == 429
        assert "Try again" in blocked.json()["errors"][0]["message"]
        other = await two.post(SIGNIN, json={"email": "other@example.com", "password": "whatever1"})
        assert other.status_code == 400


async def test_success_resets_the_failure_count(client: httpx.AsyncClient) -> None:
    await signup(client)
    for _ in range(4):
        await client.post(SIGNIN, json={"email": "fan@example.com", "password": "nope-nope"})
    assert (
        await client.post(SIGNIN, json={"email": "fan@example.com", "password": "correct-horse"})
    ).status_code == 200
    for _ in range(4):
        await client.post(SIGNIN, json={"email": "fan@example.com", "password": "nope-nope"})
    assert (
        await client.post(SIGNIN, json={"email": "fan@example.com", "password": "correct-horse"})
    ).status_code == 200


def _token(**overrides: object) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": "u1",
        "email": "fan@example.com",
        "iat": now,
        "exp": now + timedelta(hours=1),
        "iss": "ticketing-auth",
        "aud": "ticketing",
        "jti": "token-1",
    }
    key = str(overrides.pop("key", JWT_KEY))
    alg = str(overrides.pop("alg", "HS256"))
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=alg)


def _alg_none_token() -> str:
    _, payload, _ = _token().split(".")
    import base64
    import json

    none_header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        .rstrip(b"=")
        .decode()
    )
    return f"{none_header}.{payload}."


def _tampered() -> str:
    header, payload, sig = _token().split(".")
    import base64
    import json

    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{sig}"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(_tampered(), id="tampered"),
        pytest.param(_token(exp=datetime.now(UTC) - timedelta(minutes=5)), id="expired"),
        pytest.param(_alg_none_token(), id="alg-none"),
        pytest.param(_token(alg="HS512"), id="hs512"),
        pytest.param(_token(key="a-completely-different-key-of-enough-length!!"), id="wrong-key"),
        pytest.param(_token(aud="someone-else"), id="wrong-audience"),
        pytest.param(_token(exp=None), id="no-exp"),
        pytest.param(_token(jti=None), id="no-jti-cannot-be-revoked"),
        pytest.param(_token(ver="0"), id="version-not-an-integer"),
        pytest.param("garbage", id="garbage"),
    ],
)
async def test_untrusted_tokens_mean_signed_out(client: httpx.AsyncClient, token: str) -> None:
    client.cookies.set("session", token)
    assert (await client.get(CURRENT)).json() == {"currentUser": None}


async def test_valid_foreign_token_is_accepted(client: httpx.AsyncClient) -> None:
    client.cookies.set("session", _token())
    assert (await client.get(CURRENT)).json() == {
        "currentUser": {"id": "u1", "email": "fan@example.com"}
    }


async def test_health_docs_and_unknown_routes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/users/healthz")).json() == {"status": "ok"}
    ready = await client.get("/api/users/readyz")
    assert ready.status_code == 200, ready.text
    assert (await client.get("/api/users/openapi.json")).status_code == 200
    assert (await client.get("/api/users/docs")).status_code == 200
    missing = await client.get("/api/users/nope")
    assert missing.status_code == 404
    assert missing.json() == {"errors": [{"message": "Not found", "field": None}]}
    wrong_method = await client.get(SIGNUP)
    assert wrong_method.status_code == 405
    assert wrong_method.json()["errors"][0]["message"] == "Method not allowed"
