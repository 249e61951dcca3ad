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


def test_a_new_listing_reaches_every_home_tab_and_their_pages_still_work(people: People) -> None:
    """Home tabs on one query share one refresh (live.py): each still shows the new
    listing, and each can page on from it (its server-side state catches up)."""
    tag = uuid.uuid4().hex[:8]
    seller = people.signed_in()
    for i in range(12):  # exactly one page
        seller.create_ticket(f"Group {tag} show {i:02d}", 2000 + i)
    same = [people.anonymous().goto(f"/?q={tag}") for _ in range(3)]
    cheapest_first = people.anonymous().goto(f"/?q={tag}&sort=price_asc")
    for page in [*same, cheapest_first]:
        expect(page.locator('[data-testid="ticket-card"]')).to_have_count(12)
        expect(page.locator("#next-page")).to_have_count(0)  # one page: no pager

    seller.create_ticket(f"Group {tag} show 12", 1000)  # newest and cheapest

    for page in [*same, cheapest_first]:
        cards = page.locator('[data-testid="ticket-card"]')
        expect(cards.first).to_contain_text("show 12")
        expect(page.locator("#next-page")).to_be_enabled()  # has_more came with the list
    for page in same:
        page.click("#next-page")
        expect(page.locator("#page-number")).to_have_text("Page 2")
        expect(page.locator('[data-testid="ticket-card"]')).to_have_count(1)
        expect(page.locator('[data-testid="ticket-card"]').first).to_contain_text("show 00")
