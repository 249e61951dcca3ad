"""Sign-up and sign-in, independent of HTTP.

The order of each step is the defence: count the attempt (429 past a limit),
then hash or verify (bounded by `Hasher`), then write. See docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend_services.common.db import transaction
from backend_services.common.errors import BadRequest
from backend_services.common.sessions import CurrentUser

from .models import User
from .passwords import Hasher, hash_password, verify_password
from .ratelimit import Limit, Limiter
from .settings import AuthSettings

INVALID_CREDENTIALS = "Invalid credentials"


@dataclass(frozen=True)
class Limits:
    signin_email: Limit
    signin_address: Limit
    signup_address: Limit

    @classmethod
    def of(cls, s: AuthSettings) -> Limits:
        failed = "Too many failed sign-in attempts"
        return cls(
            Limit("signin-email", s.signin_failures_per_email, s.signin_window_seconds, failed),
            Limit("signin-address", s.signin_failures_per_address, s.signin_window_seconds, failed),
            Limit(
                "signup-address",
                s.signups_per_address,
                s.signup_window_seconds,
                "Too many sign-ups from your network",
            ),
        )


@dataclass(frozen=True)
class Guard:
    """What stands between a request and a password check."""

    limiter: Limiter
    limits: Limits
    hasher: Hasher


async def signup(
    guard: Guard, engine: Engine, address: str, email: str, password: str
) -> CurrentUser:
    await guard.limiter.take(guard.limits.signup_address, address)
    password_hash = await guard.hasher.run(hash_password, password)
    return await guard.hasher.run(create_user, engine, email, password_hash)


async def signin(
    guard: Guard, engine: Engine, address: str, email: str, password: str
) -> CurrentUser:
    limiter, limits = guard.limiter, guard.limits
    await limiter.take(limits.signin_address, address)  # first: a sprayer burns its own budget
    await limiter.take(limits.signin_email, email)
    user = await guard.hasher.run(check_credentials, engine, email, password)
    if user is None:
        raise BadRequest(INVALID_CREDENTIALS)
    await limiter.clear(limits.signin_email, email)
    await limiter.give_back(limits.signin_address, address)
    return user


def create_user(engine: Engine, email: str, password_hash: str) -> CurrentUser:
    user = User(email=email, password_hash=password_hash)
    try:
        with transaction(engine) as session:
            session.add(user)
    except IntegrityError:
        raise BadRequest("Email in use", field="email") from None
    return CurrentUser(id=user.id, email=user.email)


def check_credentials(engine: Engine, email: str, password: str) -> CurrentUser | None:
    """The user, if the password is theirs; an outdated hash is replaced on the way."""
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).first()
    verdict = verify_password(password, user.password_hash if user else None)
    if user is None or not verdict.ok:
        return None
    if verdict.new_hash is not None:
        _replace_hash(engine, user, verdict.new_hash)
    return CurrentUser(id=user.id, email=user.email)


def _replace_hash(engine: Engine, user: User, new_hash: str) -> None:
    # Conditional: a password changed meanwhile is never overwritten with an old one.
    table = User.__table__  # type: ignore[attr-defined]
    with transaction(engine) as session:
        session.execute(
            sa.update(table)
            .where(table.c.id == user.id, table.c.password_hash == user.password_hash)
            .values(password_hash=new_hash)
        )
