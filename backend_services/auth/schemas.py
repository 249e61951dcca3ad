from __future__ import annotations

from typing import Any

from pydantic import EmailStr, Field, field_validator

from backend_services.common.validation import SafeText, SecretText
from contracts.wire import CamelModel


def _normalise_email(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class SignupIn(CamelModel):
    email: EmailStr
    password: SecretText = Field(min_length=8, max_length=128)

    _email = field_validator("email", mode="before")(_normalise_email)

    @field_validator("email", mode="wrap")
    @classmethod
    def _email_message(cls, value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except ValueError:
            raise ValueError("Email must be valid") from None

    @field_validator("password", mode="wrap")
    @classmethod
    def _password_message(cls, value: Any, handler: Any) -> Any:
        if not isinstance(value, str) or not 8 <= len(value) <= 128:
            raise ValueError("Password must be between 8 and 128 characters")
        return handler(value)  # then SecretText: no NUL or lone surrogate


class SigninIn(CamelModel):
    email: SafeText = Field(min_length=1, max_length=320)
    password: SecretText = Field(min_length=1, max_length=1024)

    _email = field_validator("email", mode="before")(_normalise_email)


class UserOut(CamelModel):
    id: str
    email: str


class CurrentUserOut(CamelModel):
    current_user: UserOut | None
