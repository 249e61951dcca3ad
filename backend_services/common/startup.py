"""Start-up that waits for the database instead of dying.

On Kubernetes a service often starts before its PostgreSQL accepts connections
(a fresh volume runs initdb first). Exiting would crash-loop the pod and make a
first deploy fail; instead the process serves `/healthz` at once and applies
its migrations as soon as the database answers, retrying with capped
exponential back-off and jitter. `/readyz` stays 503 until then, so no request
reaches an unmigrated schema.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from .migrations import upgrade_to_head
from .threads import in_thread

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 10.0
# Connection-level failures: refused, name not resolvable yet, "the database
# system is starting up". A broken migration is not one of them: it raises.
UNREACHABLE = (OperationalError,)


async def migrate(engine: Engine, migrations_dir: Path) -> None:
    """One attempt, off the event loop."""
    await in_thread(upgrade_to_head, engine, migrations_dir)


async def migrate_until_done(
    engine: Engine,
    migrations_dir: Path,
    service: str,
    then: Callable[[], Awaitable[None]],
    max_wait: float = MAX_RETRY_SECONDS,
) -> None:
    """Retry `migrate` until the database answers (forever), then run `then`."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(UNREACHABLE),
        wait=wait_exponential_jitter(multiplier=FIRST_RETRY_SECONDS, max=max_wait),
        before_sleep=_log_retry(service),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            await migrate(engine, migrations_dir)
    log.info("%s: database reachable, migrations applied", service)
    await then()


def _log_retry(service: str) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: database not reachable yet (attempt %d, %s); retrying in %.1fs",
            service,
            state.attempt_number,
            type(exc).__name__,
            wait,
        )

    return before_sleep
