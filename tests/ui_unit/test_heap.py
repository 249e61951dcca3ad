"""The UI's heap tuning (`stubhub_ui.heap`): start-up objects frozen, rarer collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from stubhub_ui.heap import YOUNG_OBJECTS_BEFORE_A_COLLECTION, settled_heap


@pytest.fixture
def restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_settled_heap_freezes_start_up_and_raises_the_first_threshold(
    restored: None,
) -> None:
    assert gc.get_freeze_count() == 0
    async with settled_heap():
        assert gc.get_freeze_count() > 0
        young, middle, old = gc.get_threshold()
        assert young == YOUNG_OBJECTS_BEFORE_A_COLLECTION
        assert middle >= 20 and old >= 20
