"""The session: a HS256 JWT in the HttpOnly `session` cookie, verified by every service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request, Response

from contracts.rules import COOKIE_NAME

from .errors import NotAuthorized
from .settings import ServiceSettings

ALGORITHM = "HS256"  # pinned: the token header never chooses the algorithm
REQUIRED_CLAIMS = ["sub", "email", "iat", "exp", "iss", "aud"]
LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class CurrentUser:
    id: str
    email: str


def issue_token(settings: ServiceSettings, user: CurrentUser, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user.id,
        "email": user.email,
        "iat": issued,
        "exp": issued + timedelta(seconds=settings.session_ttl_seconds),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    return jwt.encode(claims, settings.jwt_key, algorithm=ALGORITHM)


def verify_token(settings: ServiceSettings, token: str) -> CurrentUser | None:
    """The user a token names, or None for any token we should not trust."""
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
    email = claims.get("email")
    if not isinstance(email, str):
        return None
    return CurrentUser(id=claims["sub"], email=email)


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


def get_settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


def current_user(
    request: Request, settings: Annotated[ServiceSettings, Depends(get_settings)]
) -> CurrentUser | None:
    token = request.cookies.get(COOKIE_NAME)
    return verify_token(settings, token) if token else None


def require_user(user: Annotated[CurrentUser | None, Depends(current_user)]) -> CurrentUser:
    if user is None:
        raise NotAuthorized()
    return user


OptionalUser = Annotated[CurrentUser | None, Depends(current_user)]
SignedInUser = Annotated[CurrentUser, Depends(require_user)]
