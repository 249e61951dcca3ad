"""Sign-up and sign-in, independent of HTTP."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend_services.common.db import transaction
from backend_services.common.errors import BadRequest
from backend_services.common.sessions import CurrentUser

from .models import User
from .passwords import hash_password, verify_password
from .ratelimit import SigninLimiter

INVALID_CREDENTIALS = "Invalid credentials"


def signup(engine: Engine, email: str, password: str) -> CurrentUser:
    user = User(email=email, password_hash=hash_password(password))
    try:
        with transaction(engine) as session:
            session.add(user)
    except IntegrityError:
        raise BadRequest("Email in use", field="email") from None
    return CurrentUser(id=user.id, email=user.email)


def signin(engine: Engine, limiter: SigninLimiter, email: str, password: str) -> CurrentUser:
    limiter.check(email)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).first()
    if user is None or not verify_password(password, user.password_hash):
        limiter.record_failure(email)
        raise BadRequest(INVALID_CREDENTIALS)
    limiter.reset(email)
    return CurrentUser(id=user.id, email=user.email)
