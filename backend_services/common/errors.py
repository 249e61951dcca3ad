"""The contract's error shape, `{"errors": [{"message", "field"}]}`, for every error."""

from __future__ import annotations

import logging
from typing import Any, Protocol, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    """A failure the client caused or may act on; rendered with its status code."""

    status_code = 400
    default_message: str | None = None  # None: every raise says what went wrong

    def __init__(self, message: str | None = None, field: str | None = None) -> None:
        message = message if message is not None else self.default_message
        if message is None:
            raise TypeError(f"{type(self).__name__} needs a message")
        super().__init__(message)
        self.message = message
        self.field = field


class BadRequest(AppError):
    status_code = 400


class NotAuthorized(AppError):
    status_code = 401

    default_message = "Not authorized"


class PaymentRequired(AppError):
    status_code = 402


class Forbidden(AppError):
    status_code = 403

    default_message = "Forbidden"


class NotFound(AppError):
    status_code = 404

    default_message = "Not found"


class Conflict(AppError):
    status_code = 409


class TooManyRequests(AppError):
    status_code = 429


class UpstreamUnavailable(AppError):
    """A dependency we cannot reach (e.g. Stripe); the client may retry."""

    status_code = 503


class _Owned(Protocol):
    user_id: str


Owned = TypeVar("Owned", bound=_Owned)


def owned(row: Owned | None, user_id: str, not_found: str, not_yours: str) -> Owned:
    """`row` if it is this user's: 404 when there is none, 403 when someone else's."""
    if row is None:
        raise NotFound(not_found)
    if row.user_id != user_id:
        raise Forbidden(not_yours)
    return row


class ErrorItem(BaseModel):
    message: str
    field: str | None


class ErrorBody(BaseModel):
    """The contract's error shape, as documented in every service's OpenAPI."""

    errors: list[ErrorItem]


_DESCRIPTIONS = {
    400: "Invalid input (every failing field listed) or a broken rule about it",
    401: "Not signed in, or the session is invalid or expired",
    402: "The card was declined",
    403: "Signed in, but not yours",
    404: "Not found (unknown or malformed id)",
    409: "The resource's current state forbids it",
    429: "Too many attempts; try again later",
    503: "A dependency is unavailable; try again",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the error statuses it sends, with the error body."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}


def error_body(*errors: tuple[str, str | None]) -> dict[str, Any]:
    return {"errors": [{"message": message, "field": field} for message, field in errors]}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _field_of(loc: tuple[Any, ...]) -> str | None:
    # loc is ("body", "price") or ("query", "limit"); a whole-body error has no field.
    parts = [str(p) for p in loc[1:] if not isinstance(p, int)]
    return ".".join(_camel(p) for p in parts) or None


def _validation_message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return "Request body is not valid JSON"
    if error.get("type") == "missing":
        return "Field required"
    message = str(error.get("msg", "Invalid value"))
    return message.removeprefix("Value error, ")


def app_error_response(exc: AppError) -> JSONResponse:
    """The answer to an `AppError`: what raising it gives, for a route that returns it
    (an exception through Starlette's handlers costs the hottest route a few percent)."""
    return JSONResponse(error_body((exc.message, exc.field)), status_code=exc.status_code)


async def _on_app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return app_error_response(exc)


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    seen: dict[str | None, str] = {}
    for error in exc.errors():
        field = _field_of(tuple(error.get("loc", ())))
        seen.setdefault(field, _validation_message(error))  # one entry per field
    return JSONResponse(error_body(*((m, f) for f, m in seen.items())), status_code=400)


async def _on_http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, str(exc.detail))
    return JSONResponse(
        error_body((message, None)), status_code=exc.status_code, headers=exc.headers
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    log.exception("unhandled error", extra={"request_id": request_id})
    body = error_body((f"Something went wrong (request id {request_id})", None))
    return JSONResponse(body, status_code=500, headers={"X-Request-Id": request_id})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _on_app_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
