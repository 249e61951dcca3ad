"""users, outbox and inbox"""

from alembic import op

from backend_services.common.ddl import key, string, timestamp
from backend_services.common.events.tables import create_event_tables, drop_event_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "users",
        key(),
        string("email", unique=True),
        string("password_hash"),
        timestamp("created_at"),
    )
    create_event_tables()


def downgrade() -> None:
    drop_event_tables()
    op.drop_table("users")
