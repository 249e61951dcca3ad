"""Signed-in users for tests: a session cookie header per user, no auth service needed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from backend_services.common.sessions import COOKIE_NAME, CurrentUser, issue_token
from backend_services.tickets.settings import TicketsSettings
from harness.apps import make_settings

_SETTINGS = make_settings(TicketsSettings)


@dataclass(frozen=True)
class Person:
    name: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def headers(self) -> dict[str, str]:
        token = issue_token(_SETTINGS, CurrentUser(id=self.id, email=f"{self.name}@example.com"))
        return {"Cookie": f"{COOKIE_NAME}={token}"}


def person(name: str) -> Person:
    return Person(name)
