"""Where e-ticket files live: a small interface, and its implementation in our database.

`FileStore` is all the service needs from storage: put a file under a new key,
read it back in chunks, delete it. `DbFileStore` keeps files in two tables of
the service's own database (every replica reaches it, backups include it, no
extra moving part); an S3-compatible store would implement the same four
methods with PutObject (multipart), HeadObject, GetObject (streamed) and
DeleteObject. Keys are never reused, so a key names one immutable file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from backend_services.common.db import transaction

from .models import FileChunk, StoredFile

CHUNK_BYTES = 256 * 1024  # what one row (and one read) holds


@dataclass(frozen=True)
class FileInfo:
    content_type: str
    size: int


class FileStore(Protocol):
    def put(self, key: str, content_type: str, chunks: Iterable[bytes]) -> FileInfo: ...

    def info(self, key: str) -> FileInfo | None: ...

    def read(self, key: str) -> Iterator[bytes]:
        """The file's bytes, a chunk at a time (never the whole file in memory)."""
        ...

    def delete(self, key: str) -> None: ...


class DbFileStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, key: str, content_type: str, chunks: Iterable[bytes]) -> FileInfo:
        size = seq = 0
        with transaction(self.engine) as session:
            for data in _rechunk(chunks, CHUNK_BYTES):
                session.add(FileChunk(key=key, seq=seq, data=data))
                session.flush()  # one chunk in memory at a time
                session.expunge_all()
                size, seq = size + len(data), seq + 1
            session.add(StoredFile(key=key, content_type=content_type, size=size, chunks=seq))
        return FileInfo(content_type, size)

    def info(self, key: str) -> FileInfo | None:
        with Session(self.engine) as session:
            row = session.get(StoredFile, key)
            return None if row is None else FileInfo(row.content_type, row.size)

    def read(self, key: str) -> Iterator[bytes]:
        seq = 0
        while True:  # a short session per chunk: a slow reader holds no connection
            with Session(self.engine) as session:
                data = session.exec(
                    select(FileChunk.data).where(FileChunk.key == key, FileChunk.seq == seq)
                ).first()
            if data is None:
                return
            yield data
            seq += 1

    def delete(self, key: str) -> None:
        with transaction(self.engine) as session:
            session.execute(sa.delete(StoredFile).where(col(StoredFile.key) == key))
            session.execute(sa.delete(FileChunk).where(col(FileChunk.key) == key))


def _rechunk(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)
