"""The pages work under the ingress's Content-Security-Policy: nothing is blocked."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, expect

from .conftest import People, signup_in_ui


def test_no_page_breaks_the_content_security_policy(people: People) -> None:
    person = people.anonymous()
    blocked: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            blocked.append(message.text)

    person.page.on("console", on_console)
    response = person.page.goto(person.url + "/")
    assert response is not None
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    signup_in_ui(person, next_path="/tickets/new")  # hydrated pages, socket, forms
    expect(person.page).to_have_url(person.url + "/tickets/new")
    person.goto("/")
    assert blocked == []
