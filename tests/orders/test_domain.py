"""Orders' decisions, without I/O."""

from datetime import UTC, datetime, timedelta

import pytest

from backend_services.orders.domain import (
    OrderStatus,
    PaymentVerdict,
    Refusal,
    Seen,
    Totals,
    judge_payment,
    ticket_list_problem,
    ticket_refusal,
    totals,
)
from contracts.rules import Fees

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    ("status", "expires_at", "completed_with", "amount", "verdict"),
    [
        (OrderStatus.CREATED, LATER, None, 2000, PaymentVerdict.COMPLETE),
        (OrderStatus.CREATED, LATER, None, 1999, PaymentVerdict.AMOUNT_MISMATCH),
        (OrderStatus.CREATED, NOW, None, 2000, PaymentVerdict.EXPIRED),
        (OrderStatus.CANCELLED, LATER, None, 2000, PaymentVerdict.CANCELLED),
        (OrderStatus.COMPLETE, LATER, "p1", 2000, PaymentVerdict.ALREADY_APPLIED),
        (OrderStatus.COMPLETE, LATER, "p0", 2000, PaymentVerdict.ALREADY_COMPLETE),
    ],
)
def test_judging_an_authorization(
    status: OrderStatus,
    expires_at: datetime,
    completed_with: str | None,
    amount: int,
    verdict: PaymentVerdict,
) -> None:
    assert judge_payment(status, expires_at, 2000, completed_with, "p1", amount, NOW) is verdict


def test_a_ticket_list_is_one_to_ten_distinct_ids() -> None:
    assert ticket_list_problem(["a"]) is None
    assert ticket_list_problem([f"t{i}" for i in range(10)]) is None
    assert ticket_list_problem([]) == "Choose from 1 to 10 tickets"
    assert ticket_list_problem([f"t{i}" for i in range(11)]) == "Choose from 1 to 10 tickets"
    assert ticket_list_problem(["a", "b", "a"]) == "Each ticket may appear only once"


def test_the_fee_is_charged_per_ticket_rounded_half_up() -> None:
    # 10 % of 4999 is 499.9 -> 500, of 2005 is 200.5 -> 201 (half up), plus 30 fixed each.
    assert totals([4999], Fees(1000, 0)) == Totals(subtotal=4999, fee=500)
    both = totals([4999, 2005], Fees(1000, 30))
    assert both == Totals(subtotal=7004, fee=500 + 30 + 201 + 30)
    assert both.total == Fees(1000, 30).all_in(4999) + Fees(1000, 30).all_in(2005)
    assert totals([2000, 2000], Fees(0, 0)).total == 4000


SELLER, BUYER = "seller", "buyer"


@pytest.mark.parametrize(
    ("seen", "refusal"),
    [
        ({"a": Seen(SELLER), "b": Seen(SELLER)}, None),
        ({"a": Seen(SELLER)}, Refusal.UNKNOWN),  # b is unknown
        ({"a": Seen(SELLER), "b": Seen(BUYER)}, Refusal.OWN),
        ({"a": Seen(SELLER, OrderStatus.CREATED), "b": Seen(SELLER)}, Refusal.RESERVED),
        (
            {"a": Seen(SELLER, OrderStatus.CREATED), "b": Seen(SELLER, OrderStatus.COMPLETE)},
            Refusal.SOLD,
        ),
        # An unknown ticket outranks an own one, which outranks a held one.
        ({"a": Seen(BUYER, OrderStatus.CREATED)}, Refusal.UNKNOWN),
        ({"a": Seen(BUYER), "b": Seen(SELLER, OrderStatus.COMPLETE)}, Refusal.OWN),
    ],
)
def test_why_tickets_cannot_be_held(seen: dict[str, Seen], refusal: Refusal | None) -> None:
    assert ticket_refusal(["a", "b"], seen, BUYER) is refusal
