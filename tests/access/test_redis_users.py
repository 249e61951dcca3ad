"""Redis as an attacker meets it: the generated ACL users (infra/access.py) on a real server."""

from __future__ import annotations

import pytest
import redis
from redis.exceptions import AuthenticationError, NoPermissionError, ResponseError

from harness import servers


def client(server: servers.Server, user: str | None, password: str | None = None) -> redis.Redis:
    if user is None:
        return redis.Redis(port=server.port, socket_timeout=2)
    return redis.Redis(
        port=server.port,
        username=user,
        password=server.passwords[user] if password is None else password,
        socket_timeout=2,
    )


def test_no_password_is_refused(redis_server: servers.Server, redis_url: str) -> None:
    anonymous = client(redis_server, None)
    for command in (lambda: anonymous.get("arq:queue"), lambda: anonymous.set("x", "1")):
        with pytest.raises((AuthenticationError, ResponseError), match=r"(?i)auth"):
            command()


def test_wrong_password_is_refused(redis_server: servers.Server, redis_url: str) -> None:
    with pytest.raises(AuthenticationError):
        client(redis_server, "expiration", password="guessed").ping()


def test_nobody_can_sign_in_as_default(redis_server: servers.Server, redis_url: str) -> None:
    with pytest.raises(AuthenticationError):
        redis.Redis(port=redis_server.port, password="", username="default").ping()


@pytest.mark.parametrize(
    ("user", "own", "foreign"),
    [
        ("expiration", "arq:queue", "auth:signin-failures:a@b.c"),
        ("auth", "auth:signin-failures:a@b.c", "arq:job:expire:1"),
        ("ui", "0123abcd-0000-4000-8000-000000000000_state", "arq:queue"),
        ("ui", "token_manager_socket_record_x", "auth:revoked:x"),
        ("auth", "session:revoked:some-jti", "arq:queue"),
        ("ui", "0123abcd-0000-4000-8000-000000000000_state", "session:revoked:some-jti"),
    ],
)
def test_each_user_keeps_to_its_key_prefix(
    redis_server: servers.Server, redis_url: str, user: str, own: str, foreign: str
) -> None:
    me = client(redis_server, user)
    me.set(own, "1")
    assert me.get(own) == b"1"
    with pytest.raises(NoPermissionError):
        me.set(foreign, "planted")
    with pytest.raises(NoPermissionError):
        me.get(foreign)


@pytest.mark.parametrize("user", ["expiration", "auth", "ui"])
def test_no_user_administers_the_server(
    redis_server: servers.Server, redis_url: str, user: str
) -> None:
    me = client(redis_server, user)
    for command in (
        lambda: me.flushall(),
        lambda: me.config_set("dir", "/tmp"),
        lambda: me.keys("*"),
        lambda: me.execute_command("ACL", "LIST"),
    ):
        with pytest.raises(NoPermissionError):
            command()


@pytest.mark.parametrize("user", ["tickets", "orders", "payments", "catalog"])
def test_other_apis_only_read_the_session_deny_list(
    redis_server: servers.Server, redis_url: str, user: str
) -> None:
    client(redis_server, "auth").set("session:revoked:copied", "1")  # a sign-out
    me = client(redis_server, user)
    assert me.mget("session:revoked:copied", "session:version:someone") == [b"1", None]
    for command in (
        lambda: me.set("session:revoked:copied", "0"),
        lambda: me.delete("session:revoked:copied"),  # un-revoking a token
        lambda: me.set("auth:limit:signin-email:x", "0"),  # resetting a limit
        lambda: me.get("arq:queue"),
    ):
        with pytest.raises(NoPermissionError):
            command()
