"""Sign in, sign up and sign out. The browser itself calls auth, so the HttpOnly cookie
lands in its jar (see docs/ui.md, Sessions)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import reflex as rx

from ..api import ApiResponse
from ..forms import on_fields, safe_next, validate_credentials
from .session import SessionState


class AuthState(SessionState):
    errors: dict[str, str] = {}
    submitting: bool = False
    next_url: str = "/"

    @rx.var
    def next_query(self) -> str:
        return "" if self.next_url == "/" else "?next=" + quote(self.next_url, safe="/")

    async def _load(self):
        await self._ensure_session()
        self.errors = {}
        self.submitting = False
        self.next_url = safe_next(self.router.url.query_parameters.get("next"))
        if self.user_id:
            return rx.redirect(self.next_url, replace=True)
        return None

    @rx.event
    async def load_signin(self):
        return await self._load()

    @rx.event
    async def load_signup(self):
        return await self._load()

    def _submit(self, form: dict[str, Any], action: str):
        if self.submitting:
            return None
        email, errors = validate_credentials(form, signup=action == "signup")
        self.errors = errors
        if errors:
            return None
        self.submitting = True
        # The browser itself calls auth through the ingress, so the HttpOnly cookie
        # lands in its jar. The password is read from the field, not echoed back.
        js = (
            "(async () => { try {"
            f" const r = await fetch('/api/users/{action}', {{method: 'POST',"
            " credentials: 'same-origin', headers: {'Content-Type': 'application/json'},"
            f" body: JSON.stringify({{email: {json.dumps(email)},"
            " password: document.getElementById('password').value})});"
            " let body = null; try { body = await r.json(); } catch (e) {}"
            " return {status: r.status, body: body};"
            " } catch (e) { return {status: 0, body: null}; } })()"
        )
        return rx.call_script(js, callback=AuthState.auth_done)

    @rx.event
    def submit_signin(self, form: dict[str, Any]):
        return self._submit(form, "signin")

    @rx.event
    def submit_signup(self, form: dict[str, Any]):
        return self._submit(form, "signup")

    @rx.event
    def auth_done(self, result: Any):
        result = result if isinstance(result, dict) else {}
        status = int(result.get("status") or 0)
        if status in (200, 201):
            # A full page load, so the websocket reconnects carrying the new cookie.
            return rx.call_script(f"window.location.assign({json.dumps(self.next_url)})")
        self.submitting = False
        resp = ApiResponse(status=status or 503, body=result.get("body"))
        errors = resp.field_errors()
        if status == 429:
            errors = {
                "form": resp.message()
                if resp.errors()
                else "Too many attempts. Wait a few minutes and try again."
            }
        self.errors = on_fields(errors, ("email", "password"))
        return rx.toast.error(next(iter(self.errors.values()), "Something went wrong"))

    @rx.event
    def clear_error(self, field: str):
        if field in self.errors or "form" in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k not in (field, "form")}


class SignoutState(SessionState):
    """`/auth/signout` only asks; signing out is a POST from its button (or the nav's),
    so a link or an image pointing here cannot sign anyone out."""

    @rx.event
    async def load(self):
        await self._ensure_session()

    @rx.event
    def sign_out(self):
        self._view = ""
        self._forget_user()
        self.session_checked = False
        return rx.call_script(
            "fetch('/api/users/signout', {method: 'POST', credentials: 'same-origin'})"
            ".catch(() => null).finally(() => window.location.replace('/'))"
        )
