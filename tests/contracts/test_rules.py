"""The contract's shared rules, as pure functions."""

from contracts.rules import Fees, all_in_price, buyer_fee, plausible_id


def test_fee_is_basis_points_rounded_half_up_plus_the_fixed_part() -> None:
    assert buyer_fee(2000, 1000, 0) == 200
    assert buyer_fee(55, 1000, 0) == 6  # 5.5 rounds up
    assert buyer_fee(54, 1000, 0) == 5  # 5.4 rounds down
    assert buyer_fee(2000, 1000, 99) == 299
    assert buyer_fee(2000, 0, 0) == 0
    assert all_in_price(2000, 1000, 0) == 2200


def test_ids_are_short_url_safe_tokens() -> None:
    assert plausible_id("abc_DEF-123")
    for bad in ("", "a" * 65, "a b", "a/b", "\x00", "\ud800", "é"):
        assert not plausible_id(bad)


def test_fees_apply_the_contract_rule_per_ticket() -> None:
    fees = Fees(1000, 30)
    assert (fees.fee(55), fees.all_in(55)) == (36, 91)  # 5.5 rounds up, plus 30
    assert Fees() == Fees(1000, 0)  # the contract's defaults
