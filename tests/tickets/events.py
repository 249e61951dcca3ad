"""Raw order events, as the orders service would publish them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support import bus


def order_created(
    order_id: str, ticket_id: str, price: int = 2000, user_id: str = "buyer"
) -> dict[str, Any]:
    expires = (datetime.now(UTC) + timedelta(minutes=15)).isoformat()
    return {
        "id": order_id,
        "version": 0,
        "status": "created",
        "userId": user_id,
        "expiresAt": expires,
        "ticket": {"id": ticket_id, "price": price},
    }


def order_ended(order_id: str, ticket_id: str, version: int = 1) -> dict[str, Any]:
    return {"id": order_id, "version": version, "ticket": {"id": ticket_id}}


async def send(
    nats_url: str, subject: str, payload: dict[str, Any], msg_id: str | None = None
) -> str:
    msg_id = msg_id or uuid.uuid4().hex
    await bus.publish(nats_url, subject, payload, msg_id)
    return msg_id
