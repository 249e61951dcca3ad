"""`/auth/signin`, `/auth/signup`, `/auth/signout`."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import form_field, layout, state_form
from ..state import AuthState, SignoutState
from .routes import route


def _auth_card(title: str, subtitle: str, form: rx.Component, footer: rx.Component) -> rx.Component:
    return layout(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.heading(title, size="7", as_="h1", id="page-title"),
                    rx.text(subtitle, color_scheme="gray", size="2"),
                    form,
                    rx.separator(size="4"),
                    footer,
                    spacing="4",
                    width="100%",
                    padding=["0.5rem", "1rem"],
                ),
                width="100%",
                max_width="440px",
                size="3",
            ),
            padding_y=["0.5rem", "2rem"],
        )
    )


def _form(action: str, submit_label: str, on_submit, password_hint: str = "") -> rx.Component:
    return state_form(
        AuthState.errors,
        form_field(
            "Email",
            "email",
            AuthState.errors,
            type="email",
            auto_complete="email",
            placeholder="you@example.com",
            on_change=AuthState.clear_error("email"),
        ),
        form_field(
            "Password",
            "password",
            AuthState.errors,
            type="password",
            auto_complete="new-password" if action == "signup" else "current-password",
            hint=password_hint,
            on_change=AuthState.clear_error("password"),
        ),
        rx.button(
            submit_label,
            type="submit",
            size="3",
            width="100%",
            loading=AuthState.submitting,
            id=f"{action}-submit",
        ),
        on_submit=on_submit,
        id=f"{action}-form",
        label=submit_label,
        spacing="4",
    )


def _switch(prompt: str, label: str, path: str, id_: str) -> rx.Component:
    """The link to the other auth page, keeping where to go afterwards."""
    return rx.text(
        prompt,
        rx.link(label, href=path + AuthState.next_query, id=id_, underline="always"),
        size="2",
    )


@route("/auth/signout", "Sign out", SignoutState.load)
def signout() -> rx.Component:
    return _auth_card(
        "Sign out",
        "You will need your password to sign in again.",
        rx.button("Sign out", on_click=SignoutState.sign_out, id="signout-confirm", size="3"),
        rx.link("Stay signed in", href="/", id="signout-cancel", underline="always"),
    )


@route("/auth/signin", "Sign in", AuthState.load_signin)
def signin() -> rx.Component:
    form = _form("signin", "Sign in", AuthState.submit_signin)
    switch = _switch("New here? ", "Create an account", "/auth/signup", "to-signup")
    return _auth_card("Sign in", "Welcome back. Sign in to buy and sell tickets.", form, switch)


@route("/auth/signup", "Create your account", AuthState.load_signup)
def signup() -> rx.Component:
    form = _form("signup", "Create account", AuthState.submit_signup, "8 to 128 characters.")
    switch = _switch("Already have an account? ", "Sign in", "/auth/signin", "to-signin")
    intro = "Sell tickets you can't use, buy tickets you want."
    return _auth_card("Create your account", intro, form, switch)
