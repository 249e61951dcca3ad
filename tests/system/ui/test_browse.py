"""Browsing `/`: search, sort, pagination, money formatting."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from .conftest import People, shown_price


def test_search_sort_and_pages(people: People) -> None:
    tag = uuid.uuid4().hex[:8]
    seller = people.signed_in()
    prices = [1000 + 137 * i for i in range(14)]  # $10.00 … $27.81
    tickets = [
        seller.create_ticket(f"Pager {tag} show {i:02d}", price) for i, price in enumerate(prices)
    ]

    viewer = people.anonymous()
    page = viewer.goto(f"/?q={tag}")
    expect(page.locator("#search")).to_have_value(tag)
    cards = page.locator('[data-testid="ticket-card"]')
    expect(cards).to_have_count(12)
    expect(cards.first).to_contain_text("show 13")  # newest first
    expect(page.locator("#page-number")).to_have_text("Page 1")

    page.click("#next-page")
    expect(page.locator("#page-number")).to_have_text("Page 2")
    expect(cards).to_have_count(2)
    expect(page.locator("#next-page")).to_be_disabled()
    page.click("#prev-page")
    expect(cards).to_have_count(12)

    page.click("#sort")
    page.get_by_role("option", name="Price: low to high").click()
    expect(cards.first.locator('[data-testid="ticket-price"]')).to_have_text(
        shown_price(tickets[0])
    )
    page.click("#sort")
    page.get_by_role("option", name="Price: high to low").click()
    expect(cards.first.locator('[data-testid="ticket-price"]')).to_have_text(
        shown_price(tickets[-1])
    )

    page.fill("#search", f"{tag} show 07")
    expect(cards).to_have_count(1)
    expect(cards.first.locator('[data-testid="ticket-price"]')).to_have_text(
        shown_price(tickets[7])
    )

    page.fill("#search", f"{tag} nothing like this")
    expect(page.locator('[data-testid="no-tickets"]')).to_be_visible()
