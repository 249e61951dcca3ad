"""Issue 15, pages: finding events (`/events`), a new event live, creating one in `/sell`.

Needs only the catalog service; the journeys with seats are in test_listings.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import People, event_card, unique_title


def test_a_buyer_finds_an_event_by_city_and_dates(people: People) -> None:
    seller = people.signed_in()
    city = "Cork " + unique_title("")[1:]  # a city no other test uses
    soon = seller.create_event(unique_title("Soon"), city=city, days_ahead=5)
    later = seller.create_event(unique_title("Later"), city=city, days_ahead=40)
    elsewhere = seller.create_event(unique_title("Elsewhere"), city="Galway", days_ahead=5)

    buyer = people.anonymous()
    page = buyer.goto("/events")
    page.fill("#event-city", city.upper())  # the city matches whatever its case
    page.click("#event-search-submit")
    expect(event_card(page, soon["name"])).to_be_visible()
    expect(event_card(page, later["name"])).to_be_visible()
    expect(event_card(page, elsewhere["name"])).to_have_count(0)
    expect(page.locator('[data-testid="event-card"]')).to_have_count(2)

    # Soonest first, each with its place and (no seats yet) its availability.
    first = page.locator('[data-testid="event-card"]').first
    expect(first.locator('[data-testid="event-name"]')).to_have_text(soon["name"])
    expect(first.locator('[data-testid="event-place"]')).to_have_text(f"{soon['venue']}, {city}")
    expect(first.locator('[data-testid="event-available"]')).to_have_text("No tickets on sale")
    expect(first.locator("time")).to_have_attribute("datetime", soon["startsAt"])

    # A date range that holds only the later one.
    start = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    page.fill("#event-from", start)
    page.click("#event-search-submit")
    expect(event_card(page, soon["name"])).to_have_count(0)
    expect(event_card(page, later["name"])).to_be_visible()

    # A backwards range is refused on the page, naming the field.
    page.fill("#event-to", (datetime.now(UTC) + timedelta(days=1)).date().isoformat())
    page.click("#event-search-submit")
    expect(page.locator('[data-testid="error-to"]')).to_contain_text("must not be before")

    # Clear brings every upcoming event back, the other city's too.
    page.click("#event-search-clear")
    expect(event_card(page, elsewhere["name"])).to_be_visible()
    expect(page.locator("#event-city")).to_have_value("")

    # The card leads to the event's page.
    event_card(page, elsewhere["name"]).click()
    expect(page).to_have_url(buyer.url + f"/events/{elsewhere['id']}")
    expect(page.locator("#event-name")).to_have_text(elsewhere["name"])
    expect(page.locator('[data-testid="no-seats"]')).to_be_visible()


def test_a_new_event_appears_on_the_events_page_without_reload(people: People) -> None:
    viewer = people.anonymous()
    page = viewer.goto("/events")
    page.evaluate("window.__noReload = 'still here'")

    seller = people.signed_in()
    event = seller.create_event(unique_title("Live event"), city="Leeds", days_ahead=3)

    expect(event_card(page, event["name"])).to_be_visible()
    assert page.evaluate("window.__noReload") == "still here"


def test_a_seller_creates_the_event_in_the_sell_flow(people: People) -> None:
    zone = "America/New_York"  # the seller's browser; the start is typed in its time
    seller = people.signed_in(timezone_id=zone)
    page = seller.goto("/sell")
    name = unique_title("Created in the UI")
    page.fill("#sell-event-q", name)
    expect(page.locator('[data-testid="event-match"]')).to_have_count(0)
    page.click("#new-event")

    # Checked on the page first: every field is needed.
    page.click("#create-event")
    expect(page.locator('[data-testid="error-name"]')).to_have_text("Enter the name")
    expect(page.locator('[data-testid="error-startsAt"]')).to_be_visible()

    page.fill("#new-event-name", name)
    page.fill("#new-event-venue", "Ulster Hall")
    page.fill("#new-event-city", "Belfast")
    # A past start: the catalog refuses it, and the page names the field.
    page.fill("#new-event-starts", "2020-01-01T20:00")
    page.click("#create-event")
    expect(page.locator('[data-testid="error-startsAt"]')).to_have_text(
        "Start time must be in the future"
    )

    starts = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT20:00")
    page.fill("#new-event-starts", starts)
    page.click("#create-event")
    expect(page.locator("#chosen-event")).to_have_text(name)
    status, found = seller.api_get("/api/events?city=Belfast&q=" + name.split()[-1])
    assert status == 200 and [e["name"] for e in found] == [name]
    # 20:00 in New York was sent as that instant (in UTC).
    sent = datetime.fromisoformat(found[0]["startsAt"].replace("Z", "+00:00"))
    assert sent == datetime.fromisoformat(starts).replace(tzinfo=ZoneInfo(zone))

    # Step 2: seats and price, with the preview of what buyers pay (10 % fee by default).
    page.click("#add-seat")
    expect(page.locator('[data-testid="seat-row"]')).to_have_count(2)
    page.fill("#listing-price", "45")
    expect(page.locator('[data-testid="preview-buyer-pays"]')).to_have_text("$49.50")
    expect(page.locator('[data-testid="preview-you-receive"]')).to_have_text("$45.00")
    expect(page.locator('[data-testid="preview-totals"]')).to_have_text(
        "2 seats: buyers pay $99.00, you receive $90.00"
    )
    # Seats are checked on the page before anything is sent.
    page.fill("#section-0", "A")
    page.fill("#section-1", "a")
    page.click("#list-seats")
    expect(page.locator('[data-testid="error-seats"]')).to_have_text("Seat 2 is listed twice")
