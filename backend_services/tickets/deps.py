"""What the tickets service holds besides its database: the store of e-ticket files."""

from __future__ import annotations

from dataclasses import dataclass

from backend_services.common.runtime import Runtime, nothing_to_close

from .filestore import DbFileStore, FileStore
from .settings import TicketsSettings


@dataclass(frozen=True)
class TicketsDeps:
    files: FileStore


TicketsRuntime = Runtime[TicketsSettings, TicketsDeps]


@nothing_to_close
def tickets_deps(runtime: Runtime[TicketsSettings, None]) -> TicketsDeps:
    # An S3-compatible store would be built here from settings instead.
    return TicketsDeps(files=DbFileStore(runtime.engine))
