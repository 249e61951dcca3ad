"""The order page follows the payment live (Payments v2): 3-D Secure through the local
test-authentication step, a failed challenge leaves the order payable, and "Paid" only
ever appears once the money is captured."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.system.ui.conftest import People, Person, unique_title


def order_page(people: People, price: int = 3300) -> tuple[Person, dict]:
    seller = people.signed_in()
    ticket = seller.create_ticket(unique_title("3DS"), price)
    buyer = people.signed_in()
    order = buyer.reserve(ticket["id"])
    buyer.goto(f"/orders/{order['id']}")
    expect(buyer.page.locator('[data-testid="order-status"]')).to_have_text("Awaiting payment")
    return buyer, order


def pay_with_3ds(buyer: Person) -> None:
    buyer.page.locator("#card-3ds").click()
    buyer.page.click("#pay-button")
    expect(buyer.page.locator('[data-testid="payment-confirm"]')).to_be_visible()
    expect(buyer.page.locator('[data-testid="order-complete"]')).to_have_count(0)


def test_a_completed_challenge_completes_the_order_live(people: People) -> None:
    buyer, order = order_page(people)
    pay_with_3ds(buyer)
    buyer.page.click("#authenticate-ok")
    expect(buyer.page.locator('[data-testid="order-status"]')).to_have_text("Complete")
    expect(buyer.page.locator('[data-testid="order-complete"]')).to_contain_text("Paid")
    status, payments = buyer.api_get(f"/api/payments?orderId={order['id']}")
    assert status == 200 and [p["status"] for p in payments] == ["captured"]


def test_a_failed_challenge_leaves_the_order_payable(people: People) -> None:
    buyer, order = order_page(people)
    pay_with_3ds(buyer)
    buyer.page.click("#authenticate-fail")
    expect(buyer.page.locator('[data-testid="pay-error"]')).to_be_visible()
    expect(buyer.page.locator("#pay-button")).to_be_visible()
    expect(buyer.page.locator('[data-testid="order-status"]')).to_have_text("Awaiting payment")
    buyer.page.locator("#card-visa").click()
    buyer.page.click("#pay-button")
    expect(buyer.page.locator('[data-testid="order-complete"]')).to_be_visible()
    status, payments = buyer.api_get(f"/api/payments?orderId={order['id']}")
    assert status == 200 and [p["status"] for p in payments] == ["captured", "failed"]
