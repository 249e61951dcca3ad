"""Issue 5 journeys 1-3: live listing, buy + pay, hold expiry."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import (
    EXPIRATION_WINDOW,
    ORDER_URL,
    TICKET_URL,
    People,
    shown_price,
    signup_in_ui,
    ticket_card,
    unique_title,
)


def test_a_new_listing_appears_for_another_browser_without_reload(people: People) -> None:
    viewer = people.anonymous()
    viewer.goto("/")
    # Marks this document: a reload would lose it.
    viewer.page.evaluate("window.__noReload = 'still here'")

    seller = people.anonymous()
    signup_in_ui(seller, next_path="/tickets/new")
    expect(seller.page).to_have_url(seller.url + "/tickets/new")
    title = unique_title("Live listing")
    seller.page.fill("#title", title)
    seller.page.fill("#price", "25.50")
    seller.page.click("#sell-submit")

    expect(seller.page).to_have_url(TICKET_URL)
    expect(seller.page.locator("#ticket-title")).to_have_text(title)
    expect(seller.page.locator('[data-testid="ticket-status"]')).to_have_text("Available")
    _, listed = seller.api_get("/api/tickets/" + seller.page.url.rsplit("/", 1)[-1])
    assert listed["price"] == 2550
    expect(seller.page.locator('[data-testid="ticket-price"]')).to_have_text(shown_price(listed))
    expect(seller.page.locator('[data-testid="you-receive"]')).to_have_text("$25.50")

    card = ticket_card(viewer.page, title)
    expect(card).to_be_visible()
    expect(card.locator('[data-testid="ticket-price"]')).to_have_text(shown_price(listed))
    assert viewer.page.evaluate("window.__noReload") == "still here"

    # The card links to the ticket page.
    card.click()
    expect(viewer.page).to_have_url(TICKET_URL)
    expect(viewer.page.locator("#ticket-title")).to_have_text(title)
    expect(viewer.page.locator("#signin-to-buy")).to_be_visible()


def test_buy_then_pay_updates_seller_and_buyer_live(people: People) -> None:
    seller = people.signed_in()
    title = unique_title("Pay journey")
    ticket = seller.create_ticket(title, 4200)
    seller.goto("/tickets/mine")
    row = seller.page.locator('[data-testid="my-ticket"]', has_text=title)
    expect(row.locator('[data-testid="ticket-status"]')).to_have_text("Available")

    buyer = people.signed_in()
    buyer.goto(f"/tickets/{ticket['id']}")
    expect(buyer.page.locator("#buy-ticket")).to_contain_text(shown_price(ticket))
    buyer.page.click("#buy-ticket")
    expect(buyer.page).to_have_url(ORDER_URL)
    expect(buyer.page.locator('[data-testid="order-status"]')).to_have_text("Awaiting payment")
    expect(buyer.page.locator("#countdown")).to_have_attribute("data-expired", "false")
    expect(buyer.page.locator('[data-testid="test-mode"]')).to_be_visible()

    # The seller's page follows without a reload.
    expect(row.locator('[data-testid="ticket-status"]')).to_have_text("Reserved")

    buyer.page.locator("#card-visa").click()
    buyer.page.click("#pay-button")
    expect(buyer.page.locator('[data-testid="order-status"]')).to_have_text("Complete")
    expect(buyer.page.locator('[data-testid="order-complete"]')).to_be_visible()
    expect(row.locator('[data-testid="ticket-status"]')).to_have_text("Sold")

    buyer.goto(f"/tickets/{ticket['id']}")
    expect(buyer.page.locator('[data-testid="ticket-status"]')).to_have_text("Sold")
    expect(buyer.page.locator("#buy-ticket")).to_have_count(0)
    expect(buyer.page.locator('[data-testid="ticket-yours-note"]')).to_contain_text("You bought")

    buyer.goto("/orders")
    order_row = buyer.page.locator('[data-testid="order-row"]', has_text=title)
    expect(order_row.locator('[data-testid="order-status"]')).to_have_text("Complete")


def test_hold_expiry_flips_the_order_and_relists_the_ticket(people: People) -> None:
    seller = people.signed_in()
    title = unique_title("Expiry")
    ticket = seller.create_ticket(title, 1500)

    viewer = people.anonymous()
    viewer.goto("/?q=" + title.replace(" ", "+"))
    card = ticket_card(viewer.page, title)
    expect(card).to_be_visible()

    buyer = people.signed_in()
    buyer.goto(f"/tickets/{ticket['id']}")
    buyer.page.click("#buy-ticket")
    expect(buyer.page).to_have_url(ORDER_URL)
    expect(buyer.page.locator('[data-testid="order-status"]')).to_have_text("Awaiting payment")
    expect(card).to_have_count(0)  # reserved tickets leave the list, live

    timeout = (EXPIRATION_WINDOW + 15) * 1000
    expect(buyer.page.locator('[data-testid="order-status"]')).to_have_text(
        "Expired", timeout=timeout
    )
    expect(buyer.page.locator('[data-testid="order-expired"]')).to_be_visible()
    expect(buyer.page.locator("#pay-button")).to_have_count(0)
    expect(card).to_be_visible()  # back on sale, live
