from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.engine import Engine

from backend_services.common.client_address import request_address
from backend_services.common.errors import error_responses
from backend_services.common.runtime import request_runtime
from backend_services.common.sessions import (
    CurrentUser,
    OptionalSession,
    OptionalUser,
    SignedInUser,
    clear_session_cookie,
    issue_token,
    set_session_cookie,
)

from . import service
from .deps import AuthRuntime
from .schemas import CurrentUserOut, SigninIn, SignupIn, UserOut
from .service import Guard

router = APIRouter(tags=["users"])
RuntimeDep = Annotated[AuthRuntime, Depends(request_runtime)]


async def _address(request: Request, runtime: RuntimeDep) -> str:
    return request_address(request, runtime.settings.trusted_proxies)


AddressDep = Annotated[str, Depends(_address)]


# `service.signup` or `service.signin`: the checks before a session is opened.
Check = Callable[[Guard, Engine, str, str, str], Awaitable[CurrentUser]]


async def _enter(
    check: Check, body: SignupIn | SigninIn, response: Response, runtime: AuthRuntime, address: str
) -> UserOut:
    user = await check(runtime.deps, runtime.engine, address, body.email, body.password)
    version = await runtime.sessions.current_version(user.id)
    token = issue_token(runtime.settings, user, version=version)
    set_session_cookie(response, runtime.settings, token)
    return UserOut(id=user.id, email=user.email)


@router.post(
    "/signup", status_code=201, response_model=UserOut, responses=error_responses(400, 429, 503)
)
async def signup(
    body: SignupIn, response: Response, runtime: RuntimeDep, address: AddressDep
) -> UserOut:
    return await _enter(service.signup, body, response, runtime, address)


@router.post("/signin", response_model=UserOut, responses=error_responses(400, 429, 503))
async def signin(
    body: SigninIn, response: Response, runtime: RuntimeDep, address: AddressDep
) -> UserOut:
    return await _enter(service.signin, body, response, runtime, address)


@router.post("/signout", responses=error_responses(503))
async def signout(
    response: Response, runtime: RuntimeDep, session: OptionalSession
) -> dict[str, str]:
    """Ends this session: its token is refused from now on, wherever it was copied."""
    if session is not None:
        await runtime.sessions.revoke(session.token)
    clear_session_cookie(response, runtime.settings)
    return {}


@router.post("/signout/everywhere", responses=error_responses(401, 503))
async def signout_everywhere(
    response: Response, runtime: RuntimeDep, user: SignedInUser
) -> dict[str, str]:
    """Ends every session of this user, on every device."""
    # The version key must outlive every token issued before it (plus the leeway).
    await runtime.sessions.bump_version(user.id, runtime.settings.session_ttl_seconds + 60)
    clear_session_cookie(response, runtime.settings)
    return {}


@router.get("/currentuser", response_model=CurrentUserOut, responses=error_responses(503))
async def currentuser(user: OptionalUser) -> CurrentUserOut:
    return CurrentUserOut(current_user=UserOut(id=user.id, email=user.email) if user else None)
