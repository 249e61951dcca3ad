"""The session: a HS256 JWT in the HttpOnly `session` cookie, verified by every service.

Each token carries a `jti` (its id, for the sign-out deny-list) and a `ver` (the
user's token version when issued, for "sign out everywhere"); see revocation.py.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request, Response

from contracts.rules import COOKIE_NAME

from .errors import NotAuthorized, UpstreamUnavailable
from .revocation import TokenId
from .runtime import Runtime
from .settings import ServiceSettings

ALGORITHM = "HS256"  # pinned: the token header never chooses the algorithm
REQUIRED_CLAIMS = ["sub", "email", "iat", "exp", "iss", "aud", "jti"]
LEEWAY_SECONDS = 5
VERIFIED_MAX_ENTRIES = 10_000
# Tokens whose signature and claims checked out: (token, key, issuer, audience) -> session.
_VERIFIED: dict[tuple[str, str, str, str], VerifiedSession] = {}


@dataclass(frozen=True)
class CurrentUser:
    id: str
    email: str


@dataclass(frozen=True)
class VerifiedSession:
    """A token whose signature and claims check out (revocation not yet asked)."""

    user: CurrentUser
    token: TokenId


def issue_token(
    settings: ServiceSettings,
    user: CurrentUser,
    now: datetime | None = None,
    version: int = 0,
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user.id,
        "email": user.email,
        "iat": issued,
        "exp": issued + timedelta(seconds=settings.session_ttl_seconds),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "jti": uuid.uuid4().hex,
        "ver": version,
    }
    return jwt.encode(claims, settings.jwt_key, algorithm=ALGORITHM)


def verify_token(settings: ServiceSettings, token: str) -> VerifiedSession | None:
    """What a token says, or None for any token we should not trust.

    A token already verified with the same key and claims is not decoded again (a
    busy buyer sends the same cookie with every request): its signature cannot have
    changed, and only its expiry is checked anew. Revocation is asked every time.
    """
    key = (token, settings.jwt_key, settings.jwt_issuer, settings.jwt_audience)
    known = _VERIFIED.get(key)
    if known is not None:
        return known if known.token.expires_at + LEEWAY_SECONDS > time.time() else None
    session = _decode(settings, token)
    if session is not None:
        if len(_VERIFIED) >= VERIFIED_MAX_ENTRIES:
            _VERIFIED.clear()  # the next requests verify again: a bound, not a policy
        _VERIFIED[key] = session
    return session


def _decode(settings: ServiceSettings, token: str) -> VerifiedSession | None:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "enforce_minimum_key_length": True},
        )
    except jwt.InvalidTokenError:
        return None
    email, jti, version = claims.get("email"), claims.get("jti"), claims.get("ver", 0)
    if not (isinstance(email, str) and isinstance(jti, str) and type(version) is int):
        return None
    user = CurrentUser(id=str(claims["sub"]), email=email)
    return VerifiedSession(user, TokenId(jti, user.id, version, int(claims["exp"])))


def set_session_cookie(response: Response, settings: ServiceSettings, token: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=settings.session_ttl_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_session_cookie(response: Response, settings: ServiceSettings) -> None:
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
    )


async def current_session(request: Request) -> VerifiedSession | None:
    """The caller's session: signed by us, unexpired, and not signed out.

    One level of dependency (the runtime read here, not through `request_runtime`):
    FastAPI's solver costs every request per level, and this one is on every route.
    """
    runtime: Runtime[Any, Any] = request.app.state.runtime
    token = request.cookies.get(COOKIE_NAME)
    session = verify_token(runtime.settings, token) if token else None
    if session is None:
        return None
    try:
        revoked = await runtime.sessions.is_revoked(session.token)
    except Exception as exc:  # Redis down: neither let a signed-out token in nor 500
        raise UpstreamUnavailable("Sessions cannot be checked right now; try again") from exc
    return None if revoked else session


async def current_user(request: Request) -> CurrentUser | None:
    session = await current_session(request)
    return session.user if session else None


async def require_user(request: Request) -> CurrentUser:
    session = await current_session(request)
    if session is None:
        raise NotAuthorized()
    return session.user


OptionalSession = Annotated[VerifiedSession | None, Depends(current_session)]
OptionalUser = Annotated[CurrentUser | None, Depends(current_user)]
SignedInUser = Annotated[CurrentUser, Depends(require_user)]
