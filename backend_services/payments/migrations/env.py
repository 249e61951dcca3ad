from sqlmodel import SQLModel

from backend_services.common.migrations import run_env
from backend_services.payments import models  # noqa: F401 - registers the tables

run_env(SQLModel.metadata)
