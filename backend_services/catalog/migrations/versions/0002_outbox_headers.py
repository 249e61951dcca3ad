"""outbox rows keep the trace context they were written in (NATS headers)

Revision ID: 0002
Revises: 0001
"""

from backend_services.common.events.tables import add_outbox_headers, drop_outbox_headers

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_headers()


def downgrade() -> None:
    drop_outbox_headers()
