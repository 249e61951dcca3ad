"""The Reflex app module (app name `stubhub_ui`)."""

import reflex as rx


def index() -> rx.Component:
    return rx.container(rx.heading("StubHub", size="8"))


app = rx.App()
app.add_page(index, route="/", title="StubHub")
