"""Issue 15, pages with seats: a seller lists two seats in `/sell`; the event page of a
second viewer follows live; the event and home pages show all-in prices; axe and
screenshots of the event page with seats.

Needs `POST /api/listings` and `GET /api/tickets?eventId=` (the tickets side of
Marketplace v2).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from .conftest import EVENT_URL, SCREENSHOTS, People, event_card, unique_title
from .test_accessibility import axe_violations


def all_in(listing: dict[str, Any]) -> str:
    cents = int(listing["allInPrice"])
    return f"${cents // 100:,}.{cents % 100:02d}"


def groups(page: Page):
    return page.locator('[data-testid="seat-group"]')


def test_a_seller_lists_two_seats_of_a_new_event(people: People) -> None:
    seller = people.signed_in()
    event = seller.create_event(unique_title("Two seats"), city="Dublin", days_ahead=8)
    page = seller.goto("/sell")
    page.fill("#sell-event-q", event["name"])
    page.locator(f'[data-testid="choose-event"][data-event-id="{event["id"]}"]').click()
    expect(page.locator("#chosen-event")).to_have_text(event["name"])

    page.click("#add-seat")
    for i, seat in enumerate(("11", "12")):
        page.fill(f"#section-{i}", "112")
        page.fill(f"#row-{i}", "F")
        page.fill(f"#seat-{i}", seat)
    page.fill("#listing-price", "45.50")
    expect(page.locator('[data-testid="preview-you-receive"]')).to_have_text("$45.50")
    page.click("#list-seats")

    expect(page).to_have_url(EVENT_URL)
    assert page.url.endswith(f"/events/{event['id']}")
    status, tickets = seller.api_get(f"/api/tickets?eventId={event['id']}")
    assert status == 200
    assert sorted((t["section"], t["row"], t["seat"]) for t in tickets) == [
        ("112", "F", "11"),
        ("112", "F", "12"),
    ]
    assert {t["price"] for t in tickets} == {4550}
    # What buyers pay is what the sell page promised.
    shown = {all_in(t) for t in tickets}
    assert len(shown) == 1
    # The seller sees their own seats apart, not for them to buy.
    group = groups(page)
    expect(group).to_have_count(1)
    expect(group.locator('[data-testid="group-count"]')).to_have_text("2 tickets")
    expect(group.locator('[data-testid="group-price"]')).to_have_text(shown.pop())
    expect(group.locator('[data-testid="buy-seats"]')).to_have_count(0)


def test_the_event_page_of_a_second_viewer_follows_the_seats_live(people: People) -> None:
    seller = people.signed_in()
    event = seller.create_event(unique_title("Live seats"), city="Lisbon", days_ahead=6)
    viewer = people.signed_in()
    page = viewer.goto(f"/events/{event['id']}")
    expect(page.locator('[data-testid="no-seats"]')).to_be_visible()
    page.evaluate("window.__noReload = 'still here'")

    listing = seller.list_seats(event["id"], [("A", "3", "7"), ("A", "3", "8")], price=6000)
    expect(groups(page)).to_have_count(1)
    expect(groups(page).locator('[data-testid="group-count"]')).to_have_text("2 tickets")
    expect(groups(page).locator('[data-testid="group-price"]')).to_have_text(all_in(listing))
    expect(page.locator('[data-testid="event-on-sale"]')).to_have_attribute("data-count", "2")

    # A cheaper section lands first; the quantity picker offers up to the group's size.
    cheaper = seller.list_seats(event["id"], [("B", "1", "1")], price=3000)
    expect(groups(page)).to_have_count(2)
    first = groups(page).first
    expect(first.locator('[data-testid="group-section"]')).to_have_text("Section B")
    expect(first.locator('[data-testid="group-price"]')).to_have_text(all_in(cheaper))
    options = groups(page).nth(1).locator('[data-testid="quantity"] option')
    expect(options).to_have_text(["1", "2"])
    assert page.evaluate("window.__noReload") == "still here"

    # The catalog's count follows too: the events list shows it.
    listing_page = people.anonymous().goto("/events?city=Lisbon")
    card = event_card(listing_page, event["name"])
    expect(card.locator('[data-testid="event-available"]')).to_have_text("3 tickets")
    expect(card.locator('[data-testid="event-from"]')).to_have_text("from " + all_in(cheaper))


def test_home_leads_with_upcoming_events_and_all_in_prices(people: People) -> None:
    seller = people.signed_in()
    event = seller.create_event(unique_title("Home lead"), city="Paris", days_ahead=1)
    listing = seller.list_seats(event["id"], [("C", "2", "9")], price=2000)
    visitor = people.anonymous()
    page = visitor.goto("/")
    card = page.locator("#upcoming-events").locator(
        f'[data-testid="event-card"][data-event-id="{event["id"]}"]'
    )
    expect(card.locator('[data-testid="event-from"]')).to_have_text("from " + all_in(listing))
    ticket = page.locator(
        f'[data-testid="ticket-card"][data-ticket-id="{listing["tickets"][0]["id"]}"]'
    )
    expect(ticket.locator('[data-testid="ticket-price"]')).to_have_text(all_in(listing))
    card.click()
    expect(page).to_have_url(visitor.url + f"/events/{event['id']}")
    expect(page.locator('[data-testid="signin-to-buy"]')).to_be_visible()


def test_the_event_page_with_seats_is_accessible_at_both_widths(people: People) -> None:
    seller = people.signed_in()
    event = seller.create_event("Nils Frahm — Music for Hall", city="London", days_ahead=21)
    seller.list_seats(event["id"], [("Stalls", "J", "14"), ("Stalls", "J", "15")], price=4800)
    seller.list_seats(event["id"], [("Balcony", "B", "3")], price=3600)
    buyer = people.signed_in()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, width, height in (("event-375", 375, 812), ("event-desktop", 1280, 900)):
        buyer.page.set_viewport_size({"width": width, "height": height})
        page = buyer.goto(f"/events/{event['id']}")
        expect(groups(page)).to_have_count(2)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert not axe_violations(page), axe_violations(page)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=width < 400)
