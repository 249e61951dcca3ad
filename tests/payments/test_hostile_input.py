"""Hostile strings in a payment request: 400 naming the field (404 for the order id),
never a 5xx, on SQLite and PostgreSQL (which refuses NUL in text)."""

from __future__ import annotations

import pytest

from tests.payments.conftest import Payments, Person
from tests.support.hostile import HOSTILE, json_request

URL = "/api/payments"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_token_is_400(payments: Payments, buyer: Person, kind: str) -> None:
    order_id = await payments.order_created(buyer)
    body = {"orderId": order_id, "token": HOSTILE[kind]}
    content, headers = json_request(body, buyer.headers)
    response = await payments.client.post(URL, content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["token"]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_order_id_is_a_clean_4xx(
    payments: Payments, buyer: Person, kind: str
) -> None:
    body = {"orderId": HOSTILE[kind], "token": "pm_card_visa"}
    content, headers = json_request(body, buyer.headers)
    response = await payments.client.post(URL, content=content, headers=headers)
    assert response.status_code in (400, 404), response.text
    if response.status_code == 400:  # a lone surrogate is not a string pydantic can hold
        assert [e["field"] for e in response.json()["errors"]] == ["orderId"]
