"""Browser journeys (Playwright, Debian's Chromium) against the suite's stack.

The stack is the real launcher on free ports with a short hold window
(tests/system/conftest.py). Playwright's sync API needs a process without a
running asyncio loop: `make system` runs tests/system apart from the asyncio suites.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from infra.access import OPS_USER
from tests.system.conftest import EXPIRATION_WINDOW_SECONDS, Stack

REPO = Path(__file__).resolve().parents[3]
EXPIRATION_WINDOW = EXPIRATION_WINDOW_SECONDS
# The committed screenshots live in assets/screenshots; a normal run writes to
# test-results/ so `make test` leaves the tree clean. Refresh the committed ones
# with UI_SCREENSHOTS_DIR=assets/screenshots.
SCREENSHOTS = REPO / os.environ.get("UI_SCREENSHOTS_DIR", "test-results/screenshots")
PASSWORD = "correct-horse-42"

expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def stack_url(stack: Stack) -> str:
    """The suite's own stack (tests/system/conftest.py), started on free ports."""
    return stack.url


@pytest.fixture(scope="session")
def nats_url(stack: Stack) -> str:
    """The stack's NATS as `ops`: it may watch events, never publish them."""
    password = (stack.var / "secrets" / OPS_USER / "nats_password").read_text().strip()
    return f"nats://{OPS_USER}:{password}@127.0.0.1:{stack.ports['nats']}"


def unique_email(prefix: str = "fan") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


def unique_title(prefix: str = "Gig") -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


@dataclass
class Person:
    """One browser context (its own cookie jar) with one page."""

    url: str
    context: BrowserContext
    page: Page
    email: str = ""
    user_id: str = ""
    tickets: list[dict[str, Any]] = field(default_factory=list)

    def goto(self, path: str) -> Page:
        self.page.goto(self.url + path)
        wait_ready(self.page)
        return self.page

    def signup_api(self, email: str | None = None) -> Person:
        """Sign up through the ingress inside this context: the HttpOnly cookie lands in its jar."""
        self.email = email or unique_email()
        response = self.context.request.post(
            self.url + "/api/users/signup", data={"email": self.email, "password": PASSWORD}
        )
        assert response.status == 201, response.text()
        self.user_id = response.json()["id"]
        return self

    def create_ticket(self, title: str | None = None, price: int = 2500) -> dict[str, Any]:
        response = self.context.request.post(
            self.url + "/api/tickets", data={"title": title or unique_title(), "price": price}
        )
        assert response.status == 201, response.text()
        ticket: dict[str, Any] = response.json()
        self.tickets.append(ticket)
        return ticket

    def reserve(self, ticket_id: str) -> dict[str, Any]:
        """POST /api/orders, retried while the orders service has not yet heard
        of a brand-new listing (it learns them from `ticket.created`)."""
        for _ in range(50):
            response = self.context.request.post(
                self.url + "/api/orders", data={"ticketId": ticket_id}
            )
            if response.status != 404:
                break
            self.page.wait_for_timeout(100)
        assert response.status == 201, response.text()
        order: dict[str, Any] = response.json()
        return order

    def create_event(
        self, name: str | None = None, city: str = "London", days_ahead: int = 14
    ) -> dict[str, Any]:
        """POST /api/events: an event starting `days_ahead` days from now."""
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_ahead)
        body = {
            "name": name or unique_title("Show"),
            "venue": "Hall " + uuid.uuid4().hex[:6],
            "city": city,
            "startsAt": starts.isoformat().replace("+00:00", "Z"),
        }
        response = self.context.request.post(self.url + "/api/events", data=body)
        assert response.status == 201, response.text()
        event: dict[str, Any] = response.json()
        return event

    def list_seats(
        self, event_id: str, seats: list[tuple[str, str, str]], price: int = 4500
    ) -> dict[str, Any]:
        """POST /api/listings (CONTRACT §7), retried while tickets has not yet heard of a
        brand-new event (it learns them from `event.created`)."""
        body = {
            "eventId": event_id,
            "price": price,
            "seats": [{"section": s, "row": r, "seat": n} for s, r, n in seats],
        }
        for _ in range(50):
            response = self.context.request.post(self.url + "/api/listings", data=body)
            if response.status != 400 or "eventId" not in response.text():
                break
            self.page.wait_for_timeout(100)
        assert response.status == 201, response.text()
        listing: dict[str, Any] = response.json()
        return listing

    def api_get(self, path: str) -> Any:
        response = self.context.request.get(self.url + path)
        return response.status, (response.json() if response.body() else None)


def shown_price(ticket: dict[str, Any]) -> str:
    """What a buyer sees for a ticket: its all-in price where the API gives one."""
    all_in = ticket.get("allInPrice")
    cents = int(all_in if isinstance(all_in, int) else ticket["price"])
    return f"${cents // 100:,}.{cents % 100:02d}"


def wait_ready(page: Page) -> None:
    """The page is hydrated and its on_load (session check + data) has run."""
    expect(page.locator("main#main")).not_to_have_attribute("data-session", "pending")


class People:
    def __init__(self, browser: Browser, url: str) -> None:
        self.browser = browser
        self.url = url
        self.contexts: list[BrowserContext] = []

    def anonymous(self, **context_args: Any) -> Person:
        context = self.browser.new_context(
            **{"viewport": {"width": 1280, "height": 900}, **context_args}
        )
        self.contexts.append(context)
        page = context.new_page()
        return Person(self.url, context, page)

    def signed_in(self, **context_args: Any) -> Person:
        return self.anonymous(**context_args).signup_api()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser: Browser, stack_url: str) -> Iterator[People]:
    crowd = People(browser, stack_url)
    yield crowd
    crowd.close()


@pytest.fixture(scope="module")
def module_people(browser: Browser, stack_url: str) -> Iterator[People]:
    crowd = People(browser, stack_url)
    yield crowd
    crowd.close()


def signup_in_ui(person: Person, next_path: str = "/") -> str:
    email = unique_email("ui")
    person.goto("/auth/signup?next=" + next_path)
    person.page.fill("#email", email)
    person.page.fill("#password", PASSWORD)
    person.page.click("#signup-submit")
    expect(person.page.locator("#current-user")).to_have_text(email)
    person.email = email
    return email


ORDER_URL = re.compile(r".*/orders/[0-9A-Za-z-]+$")
TICKET_URL = re.compile(r".*/tickets/(?!new$|mine$)[0-9A-Za-z-]+$")


def ticket_card(page: Page, title: str):
    return page.locator('[data-testid="ticket-card"]', has_text=title)


def event_card(page: Page, name: str):
    return page.locator('[data-testid="event-card"]', has_text=name)


EVENT_URL = re.compile(r".*/events/[0-9A-Za-z_-]+$")
