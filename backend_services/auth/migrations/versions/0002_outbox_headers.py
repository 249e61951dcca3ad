"""outbox rows keep the trace context they were written in (NATS headers)"""

from backend_services.common.events.tables import add_outbox_headers, drop_outbox_headers

revision = "0002"
down_revision = "0001"
upgrade, downgrade = add_outbox_headers, drop_outbox_headers  # the same step in every service
