from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from backend_services.common.errors import error_responses
from backend_services.common.runtime import request_runtime
from backend_services.common.sessions import (
    CurrentUser,
    OptionalUser,
    clear_session_cookie,
    issue_token,
    set_session_cookie,
)
from backend_services.common.threads import in_thread

from . import service
from .deps import AuthRuntime
from .schemas import CurrentUserOut, SigninIn, SignupIn, UserOut

router = APIRouter(tags=["users"])
RuntimeDep = Annotated[AuthRuntime, Depends(request_runtime)]


def _signed_in(response: Response, runtime: RuntimeDep, user: CurrentUser) -> UserOut:
    set_session_cookie(response, runtime.settings, issue_token(runtime.settings, user))
    return UserOut(id=user.id, email=user.email)


@router.post("/signup", status_code=201, response_model=UserOut, responses=error_responses(400))
async def signup(body: SignupIn, response: Response, runtime: RuntimeDep) -> UserOut:
    user = await in_thread(service.signup, runtime.engine, body.email, body.password)
    return _signed_in(response, runtime, user)


@router.post("/signin", response_model=UserOut, responses=error_responses(400, 429))
async def signin(
    body: SigninIn,
    response: Response,
    runtime: RuntimeDep,
) -> UserOut:
    user = await in_thread(
        service.signin, runtime.engine, runtime.deps.limiter, body.email, body.password
    )
    return _signed_in(response, runtime, user)


@router.post("/signout")
async def signout(response: Response, runtime: RuntimeDep) -> dict[str, str]:
    clear_session_cookie(response, runtime.settings)
    return {}


@router.get("/currentuser", response_model=CurrentUserOut)
async def currentuser(user: OptionalUser) -> CurrentUserOut:
    return CurrentUserOut(current_user=UserOut(id=user.id, email=user.email) if user else None)
