"""orders remember the payment they were completed with (Payments v2)

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("payment_id", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "payment_id")
