"""Forms checked by their state: labelled fields with their errors, and the form around them."""

from __future__ import annotations

from typing import Any

import reflex as rx

from .basics import stack
from .blocks import error_callout


def form_field(
    label: str,
    name: str,
    errors: rx.vars.ObjectVar,
    *,
    input_id: str | None = None,
    hint: str = "",
    on_change=None,
    on_blur=None,
    **input_props,
) -> rx.Component:
    """A labelled input with its error (`errors[name]`, from the state's checks or the
    contract's `field`) right below it."""
    error = errors.get(name, "")
    input_id = input_id or name
    error_id = f"error-{name}"
    hint_id = f"hint-{name}"
    described = f"{hint_id} {error_id}" if hint else error_id
    extra = {}
    if on_change is not None:
        extra["on_change"] = on_change
    if on_blur is not None:
        extra["on_blur"] = on_blur
    return rx.vstack(
        rx.el.label(label, html_for=input_id, class_name="field-label"),
        rx.input(
            id=input_id,
            name=name,
            size="3",
            width="100%",
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=described,
            color_scheme=rx.cond(error != "", "red", "gray"),
            **extra,
            **input_props,
        ),
        rx.text(hint, id=hint_id, size="1", color_scheme="gray") if hint else rx.fragment(),
        rx.box(
            rx.cond(
                error != "",
                rx.text(error, size="2", color_scheme="red", role="alert", data_testid=error_id),
            ),
            id=error_id,
        ),
        spacing="1",
        width="100%",
        align="stretch",
    )


def state_form(
    errors: rx.vars.ObjectVar,
    *fields: rx.Component,
    on_submit,
    id: str,
    label: str,
    spacing: str = "3",
    error_testid: str = "error-form",
) -> rx.Component:
    """A form the state checks (the browser's own validation is off): the error that
    belongs to no field (`errors["form"]`) above `fields`, which stay filled in."""
    return kept_form(
        stack(error_callout(errors.get("form", ""), error_testid), *fields, spacing=spacing),
        on_submit=on_submit,
        no_validate=True,
        id=id,
        aria_label=label,
        width="100%",
    )


def kept_form(*children: rx.Component, on_submit, **props) -> rx.Component:
    """A form that stays filled in after it is sent (the state says what happened)."""
    return rx.form(*children, on_submit=on_submit, reset_on_submit=False, **props)


def cleared_field(state: Any, label: str, name: str, **props) -> rx.Component:
    """A `form_field` of `state.errors` whose error (and the form's) goes as the visitor
    types: `state` has `errors` and a `clear_error(name)` event."""
    return form_field(label, name, state.errors, on_change=state.clear_error(name), **props)
