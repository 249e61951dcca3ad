"""outbox rows keep the trace context they were written in (NATS headers)

Revision ID: 0003
Revises: 0002
"""

from backend_services.common.events.tables import add_outbox_headers, drop_outbox_headers

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_headers()


def downgrade() -> None:
    drop_outbox_headers()
