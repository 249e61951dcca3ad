import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend_services.common.clock import utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True)
    email: str = Field(unique=True)  # normalised before insert; the index settles races
    password_hash: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
