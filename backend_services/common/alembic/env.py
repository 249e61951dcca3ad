"""The one Alembic environment of every service (its versions stay in its own package).

`alembic_config` points `script_location` here and `version_locations` at the
service's `migrations/versions`; the running service's models are already
imported, so `SQLModel.metadata` holds its tables (autogenerate needs the same:
import the service's `models` before running Alembic's command API).
"""

from sqlmodel import SQLModel

from backend_services.common.migrations import run_env

run_env(SQLModel.metadata)
