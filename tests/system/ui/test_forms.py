"""Issue 5 journey 4: field errors on the forms; a declined card."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import ORDER_URL, PASSWORD, People, shown_price, unique_email, unique_title


def error(page, field: str):
    return page.locator(f'[data-testid="error-{field}"]')


def test_signup_shows_errors_beside_each_field(people: People) -> None:
    person = people.anonymous()
    page = person.goto("/auth/signup")

    page.click("#signup-submit")
    expect(error(page, "email")).to_have_text("Enter your email address")
    expect(error(page, "password")).to_have_text("Enter your password")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")

    page.fill("#email", "not-an-email")
    page.fill("#password", "short")
    page.click("#signup-submit")
    expect(error(page, "email")).to_contain_text("valid email")
    expect(error(page, "password")).to_have_text("Use between 8 and 128 characters")

    # The service's own answer, mapped to its field.
    taken = people.signed_in().email
    page.fill("#email", taken)
    page.fill("#password", PASSWORD)
    page.click("#signup-submit")
    expect(error(page, "email")).to_have_text("Email in use")
    expect(error(page, "password")).to_have_count(0)
    expect(page).to_have_url(person.url + "/auth/signup")


def test_signin_rejects_bad_credentials_and_returns_to_next(people: People) -> None:
    account = people.signed_in()
    person = people.anonymous()

    # A private page while signed out: a friendly prompt carrying next=.
    page = person.goto("/orders")
    expect(page.locator('[data-testid="signin-required"]')).to_be_visible()
    page.click("#prompt-signin")
    expect(page).to_have_url(person.url + "/auth/signin?next=/orders")

    page.click("#signin-submit")
    expect(error(page, "email")).to_have_text("Enter your email address")
    expect(error(page, "password")).to_have_text("Enter your password")

    page.fill("#email", account.email)
    page.fill("#password", "wrong-password")
    page.click("#signin-submit")
    expect(page.locator("#signin-form")).to_contain_text("Invalid credentials")

    page.fill("#email", account.email.upper())  # emails are case-insensitive
    page.fill("#password", PASSWORD)
    page.click("#signin-submit")
    expect(page).to_have_url(person.url + "/orders")
    expect(page.locator("#current-user")).to_have_text(account.email)
    expect(page.locator('[data-testid="no-orders"]')).to_be_visible()


def test_sell_form_validates_inline(people: People) -> None:
    seller = people.signed_in()
    page = seller.goto("/tickets/new")

    page.click("#sell-submit")
    expect(error(page, "title")).to_have_text("Enter a title")
    expect(error(page, "price")).to_have_text("Enter a price")

    page.fill("#title", "x" * 121)
    page.fill("#price", "0.10")
    page.click("#sell-submit")
    expect(error(page, "title")).to_contain_text("120 characters")
    expect(error(page, "price")).to_have_text("The minimum price is $0.50")

    page.fill("#price", "12.345")
    page.locator("#price").blur()
    expect(error(page, "price")).to_have_text("Use at most two decimal places")
    page.fill("#price", "abc")
    page.click("#sell-submit")
    expect(error(page, "price")).to_contain_text("Enter a price in dollars")

    page.fill("#price", "100000.01")
    page.click("#sell-submit")
    expect(error(page, "price")).to_have_text("The maximum price is $100,000.00")

    title = unique_title("Valid")
    page.fill("#title", f"  {title}  ")
    page.fill("#price", "$1,234.5")
    page.click("#sell-submit")
    expect(page.locator("#ticket-title")).to_have_text(title)
    _, listed = seller.api_get("/api/tickets/" + page.url.rsplit("/", 1)[-1])
    assert listed["price"] == 123450
    expect(page.locator('[data-testid="ticket-price"]')).to_have_text(shown_price(listed))
    expect(page.locator('[data-testid="you-receive"]')).to_have_text("$1,234.50")


def test_owner_edits_a_listing(people: People) -> None:
    seller = people.signed_in()
    ticket = seller.create_ticket(unique_title("Edit me"), 1000)
    page = seller.goto(f"/tickets/{ticket['id']}")
    page.click("#edit-ticket")
    page.fill("#edit-price", "0")
    page.click("#save-ticket")
    expect(error(page, "price")).to_have_text("The minimum price is $0.50")
    new_title = unique_title("Edited")
    page.fill("#edit-title", new_title)
    page.fill("#edit-price", "11")
    page.click("#save-ticket")
    expect(page.locator("#ticket-title")).to_have_text(new_title)
    expect(page.locator('[data-testid="you-receive"]')).to_have_text("$11.00")
    edited = seller.api_get(f"/api/tickets/{ticket['id']}")[1]
    assert edited["price"] == 1100
    expect(page.locator('[data-testid="ticket-price"]')).to_have_text(shown_price(edited))


def test_declined_card_shows_stripes_message_and_order_stays_payable(people: People) -> None:
    seller = people.signed_in()
    ticket = seller.create_ticket(unique_title("Decline"), 3000)
    buyer = people.signed_in()
    page = buyer.goto(f"/tickets/{ticket['id']}")
    page.click("#buy-ticket")
    expect(page).to_have_url(ORDER_URL)

    page.locator("#card-declined").click()
    page.click("#pay-button")
    expect(page.locator('[data-testid="pay-error"]')).to_contain_text("declined")
    expect(page.locator('[data-testid="order-status"]')).to_have_text("Awaiting payment")
    expect(page.locator("#pay-button")).to_be_enabled()

    page.locator("#card-visa").click()
    page.click("#pay-button")
    expect(page.locator('[data-testid="order-status"]')).to_have_text("Complete")
    expect(page.locator('[data-testid="pay-error"]')).to_have_count(0)


def test_unknown_pages_and_ids_are_friendly(people: People) -> None:
    person = people.anonymous()
    page = person.goto("/no/such/page")
    expect(page.locator('[data-testid="not-found"]')).to_be_visible()
    page.click("#notfound-home")
    expect(page).to_have_url(person.url + "/")

    page = person.goto("/tickets/000000000000000000000000")
    expect(page.locator('[data-testid="ticket-not-found"]')).to_be_visible()

    other = people.signed_in()
    page = other.goto("/orders/000000000000000000000000")
    expect(page.locator('[data-testid="order-not-found"]')).to_be_visible()


def test_emails_are_unique_per_signup(people: People) -> None:
    # Guard for the helper itself: two people never share an address.
    assert unique_email() != unique_email()
