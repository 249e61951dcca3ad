"""What auth needs besides its database: what stands before a password check.

The attempt limits live in Redis, on the client every API already holds for the
session deny-list (`Runtime.sessions`), so one pool and one readiness check
cover both; argon2 runs bounded by the memory budget (`Hasher`).
"""

from __future__ import annotations

from backend_services.common.runtime import Runtime, nothing_to_close

from .passwords import Hasher, slots_for
from .ratelimit import Limiter
from .service import Guard, Limits
from .settings import AuthSettings

AuthRuntime = Runtime[AuthSettings, Guard]  # the guard is all auth holds: `runtime.deps`


@nothing_to_close
def auth_deps(runtime: Runtime[AuthSettings, None]) -> Guard:
    settings = runtime.settings
    return Guard(
        limiter=Limiter(runtime.sessions.redis),
        limits=Limits.of(settings),
        hasher=Hasher(slots_for(settings.password_hash_memory_mib)),
    )
