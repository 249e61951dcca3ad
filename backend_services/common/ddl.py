"""Column builders for migrations: one spelling of each kind of column every service keeps.

A revision is a snapshot, so a builder must never change what it builds (that would
change what an old revision creates); a new kind of column gets a new builder.
`tests/common/test_migrations.py` checks that every service's migrated schema matches
its models, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


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
