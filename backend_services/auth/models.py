from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from backend_services.common.clock import utcnow
from backend_services.common.db import Keyed


class User(Keyed, table=True):
    __tablename__ = "users"

    email: str = Field(unique=True)  # normalised before insert; the index settles races
    password_hash: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
