"""Issue 5 journey 5: the session cookie is HttpOnly; sign-out ends the session."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, People, signup_in_ui


def test_session_cookie_is_never_visible_to_page_scripts(people: People) -> None:
    person = people.anonymous()
    email = signup_in_ui(person)
    for path in ["/", "/tickets/new", "/tickets/mine", "/orders"]:
        page = person.goto(path)
        assert "session" not in page.evaluate("document.cookie")
    cookies = {c["name"]: c for c in person.context.cookies()}
    assert cookies["session"]["httpOnly"] is True
    assert cookies["session"]["sameSite"] == "Lax"
    status, body = person.api_get("/api/users/currentuser")
    assert status == 200 and body["currentUser"]["email"] == email


def test_sign_out_ends_the_session(people: People) -> None:
    person = people.anonymous()
    signup_in_ui(person)
    page = person.goto("/tickets/mine")
    expect(page.locator("#nav-signout")).to_be_visible()
    page.click("#nav-signout")
    expect(page.locator("#nav-signin")).to_be_visible()
    expect(page).to_have_url(person.url + "/")
    assert "session" not in {c["name"] for c in person.context.cookies() if c["value"]}
    status, body = person.api_get("/api/users/currentuser")
    assert status == 200 and body["currentUser"] is None

    page = person.goto("/tickets/mine")
    expect(page.locator('[data-testid="signin-required"]')).to_be_visible()
    expect(page.locator("#current-user")).to_have_count(0)


def test_header_links_follow_the_session(people: People) -> None:
    anon = people.anonymous()
    page = anon.goto("/")
    expect(page.locator("#nav-signin")).to_be_visible()
    expect(page.locator("#nav-signup")).to_be_visible()
    expect(page.locator("#nav-sell")).to_have_count(0)
    page.click("#nav-events")
    expect(page).to_have_url(anon.url + "/events")
    expect(page.locator("#events-search")).to_be_visible()

    user = people.signed_in()
    page = user.goto("/")
    for link in ["#nav-events", "#nav-sell", "#nav-mine", "#nav-orders", "#nav-signout"]:
        expect(page.locator(link)).to_be_visible()
    expect(page.locator("#nav-signin")).to_have_count(0)
    page.click("#nav-sell")
    expect(page).to_have_url(user.url + "/sell")
    expect(page.locator("#sell-event-q")).to_be_visible()
    # The single-ticket form is still one click away.
    page.click("#simple-sell")
    expect(page).to_have_url(user.url + "/tickets/new")
    expect(page.locator("#sell-form")).to_be_visible()


OPEN_REDIRECTS = [
    "/%09/evil.example/",  # a tab a browser drops: //evil.example/
    "//evil.example/",
    "/%5Cevil.example/",  # a backslash a browser reads as a slash
    "///evil.example/",
    "https://evil.example/",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_signin_never_sends_you_to_another_site(people: People, target: str) -> None:
    account = people.signed_in()
    person = people.anonymous()
    page = person.goto(f"/auth/signin?next={target}")
    page.fill("#email", account.email)
    page.fill("#password", PASSWORD)
    page.click("#signin-submit")
    expect(page.locator("#nav-signout")).to_be_visible()
    expect(page).to_have_url(person.url + "/")


def test_a_link_to_the_signout_page_signs_no_one_out(people: People) -> None:
    person = people.signed_in()
    page = person.goto("/auth/signout")  # what an <img src> or a link would do
    expect(page.locator("#signout-confirm")).to_be_visible()
    status, body = person.api_get("/api/users/currentuser")
    assert status == 200 and body["currentUser"] is not None
    page.click("#signout-confirm")
    expect(page).to_have_url(person.url + "/")
    expect(page.locator("#nav-signin")).to_be_visible()
    status, body = person.api_get("/api/users/currentuser")
    assert status == 200 and body["currentUser"] is None
