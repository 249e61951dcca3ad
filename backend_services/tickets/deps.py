"""What the tickets service holds besides its database: the store of e-ticket files."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from backend_services.common.runtime import Runtime

from .filestore import DbFileStore, FileStore
from .settings import TicketsSettings


@dataclass(frozen=True)
class TicketsDeps:
    files: FileStore


TicketsRuntime = Runtime[TicketsSettings, TicketsDeps]


@contextlib.asynccontextmanager
async def tickets_deps(runtime: Runtime[TicketsSettings, None]) -> AsyncIterator[TicketsDeps]:
    # An S3-compatible store would be built here from settings instead.
    yield TicketsDeps(files=DbFileStore(runtime.engine))
