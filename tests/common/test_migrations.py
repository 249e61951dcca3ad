"""Every service's migrations build the schema its models describe (SQLite and PostgreSQL).

The running services never call `create_all`: the database is whatever `upgrade head`
makes of the revisions, so a column, type, index or nullability the models have and the
revisions lack (or the other way round) is a bug this test finds before production does.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlmodel import SQLModel

from backend_services.common.db import make_engine
from backend_services.common.events import tables as event_tables
from backend_services.common.migrations import upgrade_to_head
from backend_services.common.runtime import ServiceSpec
from contracts.topology import SERVICES

WITH_DATABASE = [s.name for s in SERVICES if s.database]


def spec_of(service: str) -> ServiceSpec[Any, Any]:
    spec: ServiceSpec[Any, Any] = importlib.import_module(f"backend_services.{service}.main").SPEC
    return spec


def models_of(service: str) -> MetaData:
    """The tables of the service's own models, and the outbox and inbox every service keeps."""
    spec_of(service)  # imports every module of the service, so all its models are mapped
    owners = (f"backend_services.{service}.", event_tables.__name__)
    metadata = MetaData()
    for mapper in SQLModel._sa_registry.mappers:
        if mapper.class_.__module__.startswith(owners):
            mapper.local_table.to_metadata(metadata)  # type: ignore[attr-defined]
    return metadata


def test_every_service_with_a_database_has_migrations() -> None:
    assert WITH_DATABASE
    for service in WITH_DATABASE:
        migrations = spec_of(service).migrations_dir
        assert migrations is not None and any((migrations / "versions").glob("0001_*.py"))


@pytest.mark.parametrize("service", WITH_DATABASE)
def test_upgrade_head_builds_what_the_models_describe(service: str, database_url: str) -> None:
    metadata = models_of(service)
    assert metadata.tables, f"{service}: no models found"
    engine = make_engine(database_url)
    try:
        migrations = spec_of(service).migrations_dir
        assert migrations is not None
        upgrade_to_head(engine, migrations)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = [
                d for d in compare_metadata(context, metadata) if not _is_alembic_version(d)
            ]
    finally:
        engine.dispose()
    assert differences == [], f"{service}: the migrations and the models disagree"


def _is_alembic_version(difference: Any) -> bool:
    return bool(difference[0] == "remove_table" and difference[1].name == "alembic_version")
