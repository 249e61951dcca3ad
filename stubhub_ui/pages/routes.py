"""Each page says its own route, title and `on_load` next to its code (`@route`); the app
adds every page recorded in `ROUTES`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import reflex as rx

from ..components import PRODUCT

Page = Callable[[], rx.Component]


@dataclasses.dataclass(frozen=True)
class Route:
    component: Page
    path: str
    title: str
    on_load: Any


ROUTES: list[Route] = []


def route(path: str, title: str, on_load: Any, *, suffix: bool = True) -> Callable[[Page], Page]:
    """Record the decorated page at `path`, titled "`title` · StubHub" (or just `title`)."""

    def record(component: Page) -> Page:
        full_title = f"{title} · {PRODUCT}" if suffix else title
        ROUTES.append(Route(component, path, full_title, on_load))
        return component

    return record
