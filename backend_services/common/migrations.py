"""Alembic, one migration history per service, applied on start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection, Engine

# Any constant works; it only has to be the same for every replica of every service.
_PG_MIGRATION_LOCK = 7_310_001


ENVIRONMENT = Path(__file__).parent / "alembic"


def alembic_config(migrations_dir: Path, url: str) -> Config:
    """One environment for all; the versions are the service's own (`<migrations_dir>/versions`)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ENVIRONMENT))
    cfg.set_main_option("path_separator", "os")  # version_locations is one path
    cfg.set_main_option("version_locations", str(migrations_dir / "versions"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_to_head(engine: Engine, migrations_dir: Path) -> None:
    """Bring the service's database to the latest revision (safe with many replicas)."""
    cfg = alembic_config(migrations_dir, engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn, _migration_lock(conn):
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


@contextmanager
def _migration_lock(conn: Connection) -> Iterator[None]:
    if conn.dialect.name != "postgresql":
        yield  # SQLite: the file's write lock already serialises migrations
        return
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    try:
        yield
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})


def run_env(target_metadata: MetaData) -> None:
    """Body of the one `alembic/env.py`."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection, target_metadata)
        return
    from sqlalchemy import create_engine

    engine = create_engine(
        context.config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        _run(conn, target_metadata)
        conn.commit()


def _run(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
