from sqlmodel import SQLModel

from backend_services.catalog import models  # noqa: F401 - registers the tables
from backend_services.common.migrations import run_env

run_env(SQLModel.metadata)
