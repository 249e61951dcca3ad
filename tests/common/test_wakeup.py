"""A background loop's wake-up call (common/wakeup.py): woken early from another thread,
and a wake that arrives while the loop is busy is kept for its next sleep."""

from __future__ import annotations

import asyncio
import threading

from backend_services.common.wakeup import Wakeup


async def test_a_wake_from_another_thread_ends_the_sleep_early() -> None:
    wakeup = Wakeup()
    wakeup.bind()
    threading.Thread(target=wakeup.wake).start()
    await asyncio.wait_for(wakeup.sleep(3600), 60)  # woken: its own timer never fires


async def test_a_wake_during_a_pass_is_not_lost_and_is_spent_once() -> None:
    wakeup = Wakeup()
    wakeup.bind()
    wakeup.wake()  # arrives while the loop is busy with a pass
    await asyncio.sleep(0)  # the loop runs the scheduled set()
    await asyncio.wait_for(wakeup.sleep(60), 30)
    woken_again = asyncio.create_task(wakeup.sleep(60))
    await asyncio.sleep(0.05)
    assert not woken_again.done()  # the wake was spent: this sleep waits for the next one
    wakeup.wake()
    await asyncio.wait_for(woken_again, 30)


def test_a_wake_before_the_loop_runs_is_ignored() -> None:
    Wakeup().wake()  # nothing bound yet: no error, nothing scheduled
