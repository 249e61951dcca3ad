"""`heap.settle`: what a service built at start-up is frozen out of every collection."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from backend_services.common import heap
from backend_services.tickets.main import create
from backend_services.tickets.settings import TicketsSettings
from harness.apps import make_settings, serve


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only a collection frees it


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()  # earlier apps of this test process froze theirs
    yield
    gc.unfreeze()


def test_settle_collects_garbage_then_freezes_what_is_alive(unfrozen: None) -> None:
    garbage, alive = Node(), Node()
    gone = weakref.ref(garbage)
    del garbage
    heap.settle()
    assert gone() is None  # collected, not frozen along with the rest
    assert gc.get_freeze_count() > 0
    assert not any(o is alive for o in gc.get_objects())  # out of every generation


async def test_a_service_settles_its_heap_once_ready(
    unfrozen: None, database_url: str, nats_url: str
) -> None:
    settings = make_settings(TicketsSettings, database_url=database_url, nats_url=nats_url)
    app = create(settings)
    assert gc.get_freeze_count() == 0
    async with serve(app) as client:
        assert (await client.get("/api/tickets/readyz")).status_code == 200
        assert gc.get_freeze_count() > 0
