"""NUL, a lone surrogate, U+202E and 10 kB strings in every text and id field of every
endpoint, through the ingress: a 400 naming the field (404 for ids), never a 5xx."""

from __future__ import annotations

import pytest

from harness.fuzz import PREFIXES, signed_in_cookie
from harness.hostile import attack
from tests.system.conftest import Stack


@pytest.mark.parametrize("prefix", PREFIXES)
def test_hostile_strings_are_refused_cleanly(stack: Stack, prefix: str) -> None:
    outcomes = attack(stack.url, prefix, signed_in_cookie(stack.url))
    assert outcomes, "no string fields found in the document"
    broken = [
        f"{o.operation} {o.field.location}:{o.field.name}={o.kind} -> {o.status}: "
        f"{o.problem()} {o.body[:160]}"
        for o in outcomes
        if o.problem() is not None
    ]
    assert not broken, "\n".join(broken)
