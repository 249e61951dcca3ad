"""orders remember the payment they were completed with (Payments v2)"""

from alembic import op

from backend_services.common.ddl import string

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("orders", string("payment_id", nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "payment_id")
