"""Column builders for migrations: one spelling of each kind of column every service keeps.

A revision is a snapshot, so a builder must never change what it builds (that would
change what an old revision creates); a new kind of column gets a new builder.
`tests/common/test_migrations.py` checks that every service's migrated schema matches
its models, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


def key(
    name: str = "id", type_: sa.types.TypeEngine[Any] | None = None, **kw: Any
) -> sa.Column[Any]:
    """A primary key column (text unless `type_` says otherwise)."""
    return sa.Column(name, type_ if type_ is not None else sa.String(), primary_key=True, **kw)


def string(
    name: str, length: int | None = None, nullable: bool = False, **kw: Any
) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length), nullable=nullable, **kw)


def integer(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def timestamp(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def versioned_key() -> list[sa.Column[Any]]:
    """`id` and `version`: the keys of a row a consumer keeps up to date (or an aggregate
    whose writes are optimistic)."""
    return [key(), integer("version")]


def nullable_strings(*names: str) -> list[sa.Column[Any]]:
    """Optional text columns (ids and messages a row gains later in its life)."""
    return [string(name, nullable=True) for name in names]


def create_unique_index_where(
    name: str, table: str, columns: list[str], where: sa.TextClause
) -> None:
    """A partial unique index: unique among the rows `where` holds, on SQLite and PostgreSQL."""
    op.create_index(name, table, columns, unique=True, sqlite_where=where, postgresql_where=where)
