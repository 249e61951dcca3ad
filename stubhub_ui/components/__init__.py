"""Shared UI pieces: the page frame (`layout`) and the blocks pages are built from (`blocks`)."""

from .blocks import (
    Countdown,
    LocalTime,
    back_link,
    detail_body,
    error_callout,
    form_field,
    list_body,
    list_row,
    loading_block,
    notice,
    price_tag,
    status_badge,
)
from .layout import MAX_WIDTH, PRODUCT, footer, header, layout, page, private, signin_prompt

__all__ = [
    "MAX_WIDTH",
    "PRODUCT",
    "Countdown",
    "LocalTime",
    "back_link",
    "detail_body",
    "error_callout",
    "footer",
    "form_field",
    "header",
    "layout",
    "list_body",
    "list_row",
    "loading_block",
    "notice",
    "page",
    "price_tag",
    "private",
    "signin_prompt",
    "status_badge",
]
