"""The databases' init script (postgres-init.yaml) gives each service a role that can
run its migrations and serve, and nothing more.

The script is taken from the rendered prod overlay and run as the official image
runs it at first start (with POSTGRES_USER, POSTGRES_DB, APP_USER and
APP_PASSWORD in the environment) against a real PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import uuid

import psycopg
import pytest

from backend_services.common.db import make_engine
from backend_services.common.migrations import upgrade_to_head
from harness import servers
from tests.infra import support

pytestmark = pytest.mark.postgres


def init_scripts() -> dict[str, str]:
    configmap = support.of_kind(support.render("prod"), "ConfigMap")["postgres-init"]
    scripts: dict[str, str] = configmap["data"]
    return scripts


def test_init_script_creates_an_owner_role_that_migrates_but_is_no_superuser(
    postgres_server: servers.Server | None,
) -> None:
    if postgres_server is None:
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    admin = f"postgresql://postgres@127.0.0.1:{postgres_server.port}"
    name = f"t_{uuid.uuid4().hex[:10]}"
    app_user = f"{name}_app"
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # what POSTGRES_DB makes the image do

    env = {
        **os.environ,
        "PGHOST": "127.0.0.1",
        "PGPORT": str(postgres_server.port),
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": name,
        "APP_USER": app_user,
        "APP_PASSWORD": "pw-" + uuid.uuid4().hex,
    }
    for script in init_scripts().values():
        subprocess.run(["sh", "-c", script], env=env, check=True, capture_output=True, timeout=60)

    with psycopg.connect(f"{admin}/{name}", autocommit=True) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles"
            " WHERE rolname = %s",
            (app_user,),
        ).fetchone()
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    assert role == (False, False, False, True)
    assert owner == (app_user,)

    # As the app: the service's migrations apply, and it can use its tables.
    app_url = f"postgresql+psycopg://{app_user}@127.0.0.1:{postgres_server.port}/{name}"
    engine = make_engine(app_url)
    try:
        upgrade_to_head(engine, support.REPO / "backend_services/tickets/migrations")
        with engine.connect() as conn:
            tables = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
                (app_user,),
            ).scalar_one()
            assert tables > 0
    finally:
        engine.dispose()
    with (
        psycopg.connect(
            f"postgresql://{app_user}@127.0.0.1:{postgres_server.port}/{name}", autocommit=True
        ) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(f'CREATE DATABASE "{name}_other"')
