"""Issue 15: a buyer picks 2 seats of an event, holds them in one order, sees the fee
and the all-in total, pays it, and downloads both e-tickets, the second offered live
when the seller delivers it after the sale (real browser, real stack, the local Stripe)."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import expect

from .conftest import ORDER_URL, SCREENSHOTS, People, unique_title
from .test_accessibility import axe_violations


def test_a_buyer_buys_two_seats_in_one_order_pays_and_downloads_both(people: People) -> None:
    seller = people.signed_in()
    event = seller.create_event(unique_title("Together"), city="Oslo", days_ahead=5)
    listing = seller.list_seats(event["id"], [("D", "4", "1"), ("D", "4", "2")], price=3000)
    files = {t["id"]: b"%PDF-1.4\n" + uuid.uuid4().hex.encode() for t in listing["tickets"]}
    first, second = files  # the seller delivers the first now, the second after the sale

    def deliver(ticket_id: str) -> None:
        uploaded = seller.context.request.put(
            f"{seller.url}/api/tickets/{ticket_id}/file",
            data=files[ticket_id],
            headers={"Content-Type": "application/pdf"},
        )
        assert uploaded.status == 200, uploaded.text()

    deliver(first)

    buyer = people.signed_in()
    page = buyer.goto(f"/events/{event['id']}")
    group = page.locator('[data-testid="seat-group"]')
    expect(group.locator('[data-testid="group-count"]')).to_have_text("2 tickets")
    group.locator('[data-testid="quantity"]').select_option("2")
    group.locator('[data-testid="buy-seats"]').click()
    expect(page).to_have_url(ORDER_URL)

    lines = page.locator('[data-testid="order-ticket"]')
    expect(lines).to_have_count(2)
    expect(page.locator("#page-title")).to_have_text("2 tickets")
    expect(page.locator('[data-testid="order-subtotal"]')).to_have_text("$60.00")
    expect(page.locator('[data-testid="order-fee"]')).to_have_text("$6.00")
    expect(page.locator('[data-testid="order-price"]')).to_have_text("$66.00")
    expect(page.locator('[data-testid="download-ticket"]')).to_have_count(0)  # not paid yet

    page.locator("#card-visa").click()
    page.click("#pay-button")
    expect(page.locator('[data-testid="order-status"]')).to_have_text("Complete")
    expect(page.locator('[data-testid="order-complete"]')).to_be_visible()
    order_id = page.url.rsplit("/", 1)[-1]
    status, payments = buyer.api_get(f"/api/payments?orderId={order_id}")
    assert status == 200 and [p["amount"] for p in payments] == [6600]

    downloads = page.locator('[data-testid="download-ticket"]')
    expect(downloads).to_have_count(1)
    expect(downloads).to_have_attribute("data-ticket-id", first)
    awaiting = lines.filter(has=page.locator('[data-testid="awaiting-delivery"]'))
    expect(awaiting).to_have_attribute("data-ticket-id", second)
    page.evaluate("window.__noReload = 'still here'")
    deliver(second)  # the buyer's page offers it live
    expect(downloads).to_have_count(2)
    expect(page.locator('[data-testid="awaiting-delivery"]')).to_have_count(0)
    assert page.evaluate("window.__noReload") == "still here"
    got = {}
    for n in range(2):
        link = downloads.nth(n)
        with page.expect_download() as download:
            link.click()
        got[link.get_attribute("data-ticket-id")] = Path(download.value.path()).read_bytes()
    assert got == files

    # The paid order of two seats, at a phone's width and a desktop's: no blocking axe finding.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    toasts = page.locator("[data-sonner-toast]")  # "Seats reserved…" from the event page
    for close in toasts.locator("[data-close-button]").all():
        close.click()
    expect(toasts).to_have_count(0)
    for name, width, height in (("order-seats-375", 375, 812), ("order-seats-desktop", 1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        expect(downloads).to_have_count(2)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert not axe_violations(page), axe_violations(page)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=width < 400)
