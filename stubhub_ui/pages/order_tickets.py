"""The tickets of an order (one or several), what they cost with the fee, and once the
order is paid a download of each e-ticket (CONTRACT §7)."""

# Reflex turns state attributes into Vars at class level; mypy sees the Python types.
# mypy: disable-error-code="arg-type, attr-defined, operator"

from __future__ import annotations

import reflex as rx

from ..components import price_tag, split_row
from ..state import OrderState


def _download(line) -> rx.Component:
    # A document request, not a client-side route: the browser saves the attachment.
    return rx.link(
        rx.hstack(
            rx.icon("download", size=16, aria_hidden="true"),
            rx.text("Download ticket"),
            spacing="1",
            align="center",
        ),
        href=line.file_href,
        reload_document=True,
        download="",
        aria_label="Download the ticket " + line.title,
        data_testid="download-ticket",
        data_ticket_id=line.id,
    )


def _delivery(line) -> rx.Component:
    return rx.cond(
        line.has_file,
        _download(line),
        rx.text(
            "The seller will deliver your ticket here.",
            size="2",
            color_scheme="gray",
            data_testid="awaiting-delivery",
        ),
    )


def _line(line) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(line.title, weight="medium", size="3", class_name="break-words"),
                rx.cond(OrderState.payment_phase == "paid", _delivery(line)),
                spacing="1",
                align="start",
                min_width="0",
            ),
            rx.spacer(),
            rx.text(line.price_display, size="3", data_testid="line-price"),
            width="100%",
            align="start",
        ),
        data_testid="order-ticket",
        data_ticket_id=line.id,
        style={"padding": "0.25rem 0"},
    )


def _amount(label: str, value: rx.Var, testid: str) -> rx.Component:
    return split_row(
        rx.text(label, size="2", color_scheme="gray"),
        rx.text(value, size="2", data_testid=testid),
    )


def order_tickets() -> rx.Component:
    """Each ticket at its price, then subtotal, fee and the total the buyer pays."""
    order = OrderState.order
    return rx.vstack(
        rx.el.ul(
            rx.foreach(order.lines, _line),
            aria_label="Tickets in this order",
            style={"listStyle": "none", "padding": 0, "margin": 0, "width": "100%"},
        ),
        rx.separator(size="4"),
        _amount("Tickets (" + order.count_label + ")", order.subtotal_display, "order-subtotal"),
        _amount("Fees", order.fee_display, "order-fee"),
        split_row(
            rx.text("Total", size="3", weight="bold"),
            price_tag(order.price_display, size="6", testid="order-price"),
        ),
        spacing="2",
        width="100%",
        id="order-tickets",
    )
