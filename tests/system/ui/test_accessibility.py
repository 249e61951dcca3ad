"""Issue 5 journey 6: axe-core on every page; every page at 375 px (screenshots)."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .conftest import SCREENSHOTS, People, Person

AXE = Axe()
LISTINGS = [
    ("Arctic Monkeys — Madison Square Garden, Sec 112 Row F", 8950),
    ("Nils Frahm — Barbican Hall, Stalls J14", 4550),
    ("Wimbledon Centre Court — Ladies' Final, Debenture", 120000),
]
BLOCKING = {"serious", "critical"}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    results = AXE.run(page)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]


@pytest.fixture(scope="module")
def cast(module_people: People) -> dict[str, Any]:
    """A seller with listings, a buyer and an anonymous visitor, for the whole module."""
    people = module_people
    seller = people.signed_in()
    for title, price in LISTINGS[:-1]:
        seller.create_ticket(title, price)
    event = seller.create_event("Arctic Monkeys", city="New York", days_ahead=12)
    return {
        "event": event,
        "seller": seller,
        "buyer": people.signed_in(),
        "anon": people.anonymous(),
        "ticket": seller.tickets[0],
    }


@pytest.fixture
def tour(cast: dict[str, Any]) -> dict[str, Any]:
    """Plus a way to get an order awaiting payment when a page needs one: the short hold
    window can lapse while the pages before it are checked (more so on a busy machine)."""

    def hold() -> tuple[dict[str, Any], str]:
        title, price = LISTINGS[-1]
        reserved = cast["seller"].create_ticket(title, price)
        buyer: Person = cast["buyer"]
        order = buyer.reserve(reserved["id"])
        return reserved, f"/orders/{order['id']}"

    return {**cast, "hold": hold}


PAGES = [
    # (screenshot name, who, path, something that must be visible first)
    ("home", "anon", "/", '[data-testid="ticket-card"]'),
    ("signin", "anon", "/auth/signin", "#signin-form"),
    ("signup", "anon", "/auth/signup", "#signup-form"),
    ("signin-required", "anon", "/orders", '[data-testid="signin-required"]'),
    ("not-found", "anon", "/nothing-here", '[data-testid="not-found"]'),
    ("sell", "seller", "/tickets/new", "#sell-form"),
    ("events", "anon", "/events", '[data-testid="event-card"]'),
    ("event-empty", "buyer", "/events/{event}", '[data-testid="no-seats"]'),
    ("sell-seats", "seller", "/sell?event={event}", "#listing-form"),
    ("ticket-owner", "seller", "/tickets/{ticket}", "#edit-ticket"),
    ("ticket-reserved", "anon", "/tickets/{reserved}", '[data-testid="ticket-reserved-note"]'),
    ("my-tickets", "seller", "/tickets/mine", '[data-testid="my-ticket"]'),
    ("orders", "buyer", "/orders", '[data-testid="order-row"]'),
    ("order", "buyer", "{order}", "#pay-button"),
]


def _open(cast: dict[str, Any], who: str, path: str, ready: str) -> Page:
    person: Person = cast[who]
    if "{reserved}" in path or path == "{order}":
        reserved, order = cast["hold"]()
        path = order if path == "{order}" else path.format(reserved=reserved["id"])
    path = path.format(ticket=cast["ticket"]["id"]) if "{ticket}" in path else path
    path = path.format(event=cast["event"]["id"]) if "{event}" in path else path
    page = person.goto(path)
    expect(page.locator(ready).first).to_be_visible()
    return page


def _viewport(cast: dict[str, Any], width: int, height: int) -> None:
    for person in (cast["seller"], cast["buyer"], cast["anon"]):
        person.page.set_viewport_size({"width": width, "height": height})


def test_every_page_has_no_serious_accessibility_violations(tour: dict[str, Any]) -> None:
    _viewport(tour, 1280, 900)
    problems = {}
    for name, who, path, ready in PAGES:
        page = _open(tour, who, path, ready)
        found = axe_violations(page)
        if found:
            problems[name] = found
    assert not problems, problems


def test_every_page_works_at_phone_width(tour: dict[str, Any]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    overflowing = {}
    _viewport(tour, 375, 812)
    for name, who, path, ready in PAGES:
        page = _open(tour, who, path, ready)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            overflowing[name] = width
        page.screenshot(path=str(SCREENSHOTS / f"{name}-375.png"), full_page=True)
        violations = axe_violations(page)
        assert not violations, (name, violations)
    assert not overflowing, f"horizontal scroll at 375 px: {overflowing}"
    # The phone menu works.
    page = tour["seller"].goto("/")
    page.click("#nav-menu")
    page.click("#navm-orders")
    expect(page).to_have_url(tour["seller"].url + "/orders")


def test_desktop_screenshots(tour: dict[str, Any]) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _viewport(tour, 1280, 900)
    for name, who, path, ready in [
        p
        for p in PAGES
        if p[0] in {"home", "order", "ticket-owner", "my-tickets", "events", "sell-seats"}
    ]:
        page = _open(tour, who, path, ready)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"))
