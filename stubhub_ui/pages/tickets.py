"""`/tickets/new`, `/tickets/mine`, `/tickets/[ticket_id]`."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import (
    back_link,
    cleared_field,
    detail_body,
    detail_card,
    form_field,
    icon_button,
    layout,
    link_button,
    list_row,
    members_link,
    missing_notice,
    muted,
    my_list,
    notice,
    page,
    price_tag,
    private,
    quiet_button,
    row_title,
    split_row,
    stack,
    state_form,
    status_badge,
)
from ..state import MineState, SellState, SessionState, TicketState
from .routes import route

# ------------------------------------------------------------------ sell


def _sell_form() -> rx.Component:
    title = cleared_field(
        SellState,
        "Title",
        "title",
        placeholder="e.g. Taylor Swift — Wembley, 14 June, Block 112",
        hint="What, where and when — up to 120 characters.",
        max_length=200,
        on_blur=SellState.check_title,
    )
    price = cleared_field(
        SellState,
        "Price (US dollars)",
        "price",
        placeholder="25.00",
        input_mode="decimal",
        hint="Between $0.50 and $100,000.00.",
        on_blur=SellState.check_price,
    )
    submit = rx.button(
        "List ticket", type="submit", size="3", loading=SellState.submitting, id="sell-submit"
    )
    cancel = rx.link(quiet_button("Cancel", size="3", type="button"), href="/")
    form = state_form(
        SellState.errors,
        title,
        price,
        rx.hstack(submit, cancel, spacing="3"),
        on_submit=SellState.submit,
        id="sell-form",
        label="Sell a ticket",
        spacing="4",
    )
    return rx.card(form, size="3", width="100%", max_width="560px")


@route("/tickets/new", "Sell a ticket", SellState.load)
def sell() -> rx.Component:
    return page("Sell a ticket", private(_sell_form))


# ------------------------------------------------------------------ mine


def _my_ticket_row(ticket) -> rx.Component:
    badge = status_badge(ticket.status, ticket.status_label, "ticket-status")
    title = row_title(ticket.title, data_testid="ticket-title")
    price = price_tag(ticket.seller_price_display, size="2")
    link = "/tickets/" + ticket.id
    return list_row(badge, title, price, href=link, testid="my-ticket", data_ticket_id=ticket.id)


@route("/tickets/mine", "My tickets", MineState.load)
def mine() -> rx.Component:
    sell = link_button("Sell a ticket", "/tickets/new")
    why = "Tickets you list for sale show up here, with their status."
    empty = notice("ticket_plus", "No listings yet", why, sell, testid="no-tickets")
    more = members_link("Sell a ticket", "/tickets/new")
    return my_list(
        "My tickets", MineState, MineState.tickets, _my_ticket_row, "my-tickets", empty, more
    )


# ------------------------------------------------------------------ one ticket


def _edit_form() -> rx.Component:
    errors = TicketState.edit_errors
    title = form_field(
        "Title", "title", errors, input_id="edit-title", default_value=TicketState.edit_title
    )
    price = form_field(
        "Price (US dollars)",
        "price",
        errors,
        input_id="edit-price",
        default_value=TicketState.edit_price,
        input_mode="decimal",
    )
    save = rx.button("Save changes", type="submit", loading=TicketState.saving, id="save-ticket")
    cancel = quiet_button(
        "Cancel", type="button", on_click=TicketState.cancel_edit, id="cancel-edit"
    )
    form = state_form(
        errors,
        title,
        price,
        rx.hstack(save, cancel, spacing="3"),
        on_submit=TicketState.save_edit,
        id="edit-form",
        label="Edit listing",
    )
    return stack(rx.heading("Edit listing", size="4", as_="h2"), form)


def _with_note(action: rx.Component, note: str) -> rx.Component:
    """A main action with a small line under it."""
    return stack(action, muted(note, size="1"), spacing="2", align="start")


def _owner_actions() -> rx.Component:
    ticket = TicketState.ticket
    says = rx.text(
        "This is your listing: buyers pay ",
        ticket.price_display,
        ", you receive ",
        rx.text.strong(ticket.seller_price_display, data_testid="you-receive"),
        ". You can change it until someone reserves it.",
        color_scheme="gray",
        size="2",
    )
    edit = icon_button("Edit listing", "pencil", on_click=TicketState.start_edit, id="edit-ticket")
    return rx.cond(
        TicketState.editing,
        _edit_form(),
        rx.vstack(says, edit, spacing="2", align="start"),
    )


def _buy_actions() -> rx.Component:
    buy = rx.button(
        "Buy for ",
        TicketState.ticket.price_display,
        size="4",
        on_click=TicketState.buy,
        loading=TicketState.buying,
        id="buy-ticket",
        width=["100%", "auto"],
    )
    signin = rx.link(
        rx.button("Sign in to buy", size="4", width=["100%", "auto"]),
        href=SessionState.signin_href,
        id="signin-to-buy",
    )
    return rx.cond(
        SessionState.signed_in,
        rx.cond(
            TicketState.ticket.user_id == SessionState.user_id,
            _owner_actions(),
            _with_note(buy, "We hold the ticket for you while you pay."),
        ),
        _with_note(signin, "You need an account to buy tickets."),
    )


def _yours_note() -> rx.Component:
    note = rx.callout(
        rx.cond(
            TicketState.ticket.status == "reserved",
            "You're holding this ticket. Pay before the hold ends to keep it.",
            "You bought this ticket.",
        ),
        icon="ticket_check",
        color_scheme="iris",
        data_testid="ticket-yours-note",
        width="100%",
    )
    go = rx.link(
        rx.button("Go to your order", variant="soft"),
        href="/orders/" + TicketState.my_order_id,
        id="go-to-order",
    )
    return stack(note, go)


def _gone_note() -> rx.Component:
    reserved = rx.callout(
        "Someone is paying for this ticket right now. If their hold lapses, it goes back on sale.",
        icon="clock",
        color_scheme="amber",
        data_testid="ticket-reserved-note",
    )
    sold = rx.callout(
        "This ticket has been sold.",
        icon="circle_check",
        color_scheme="gray",
        data_testid="ticket-sold-note",
    )
    return rx.cond(TicketState.ticket.status == "reserved", reserved, sold)


def _actions() -> rx.Component:
    return rx.cond(
        TicketState.ticket.status == "available",
        _buy_actions(),
        rx.cond(TicketState.my_order_id != "", _yours_note(), _gone_note()),
    )


def _ticket_card() -> rx.Component:
    ticket = TicketState.ticket
    mine = rx.cond(
        SessionState.signed_in & (ticket.user_id == SessionState.user_id),
        rx.badge("Your listing", variant="outline", color_scheme="iris"),
    )
    seat = rx.cond(
        ticket.seat_display != "",
        rx.text(ticket.seat_display, size="3", data_testid="ticket-seat"),
    )
    return detail_card(
        split_row(status_badge(ticket.status, ticket.status_label, "ticket-status"), mine),
        rx.heading(ticket.title, size="8", as_="h1", id="ticket-title", class_name="break-words"),
        seat,
        price_tag(ticket.price_display, size="7"),
        actions=_actions(),
        max_width="720px",
        id="ticket-detail",
    )


@route("/tickets/[ticket_id]", "Ticket", TicketState.load)
def ticket() -> rx.Component:
    why = "This listing doesn't exist, or the link is broken."
    gone = missing_notice("ticket_x", "Ticket", why, link_button("Browse tickets", "/"))
    body = detail_body(TicketState, TicketState.ticket.id, gone, _ticket_card())
    return layout(back_link("All tickets", "/"), body)
