"""Bounded fuzzing of each service's OpenAPI document through the ingress (schemathesis 4).

For every service, signed out and signed in, schemathesis generates valid and invalid
requests from `/api/<prefix>/openapi.json` and checks each response. Two promises are
asserted separately so a failure says which one broke:

* robustness and schema: no 5xx, the documented content type, and a body that matches
  the documented schema;
* documentation: every status code the service answers is listed in its document.

A few hundred requests in all; `python -m harness.fuzz --examples 50` is the long run.
Each finding carries the request as curl and the response.
"""

from __future__ import annotations

import pytest

from harness.fuzz import PREFIXES, Finding, ServiceResult, fuzz_service, signed_in_cookie
from tests.system.conftest import Stack

EXAMPLES = 8  # per operation and generation mode (positive, negative)
STATUS_CHECK = "Undocumented status code"

_results: dict[tuple[str, bool], ServiceResult] = {}


@pytest.fixture(scope="module")
def cookie(stack: Stack) -> str:
    return signed_in_cookie(stack.url)


def fuzzed(stack: Stack, cookie: str, prefix: str, signed_in: bool) -> ServiceResult:
    key = (prefix, signed_in)
    if key not in _results:
        _results[key] = fuzz_service(stack.url, prefix, cookie if signed_in else None, EXAMPLES)
    return _results[key]


def describe(findings: list[Finding]) -> str:
    return "\n\n".join(
        f"{f.operation} [{f.mode}] {f.check} -> {f.status}\n  {f.request}\n  "
        f"{f.response[:300]}\n  {f.message[:600]}"
        for f in findings
    )


CASES = [
    pytest.param(p, s, id=f"{p}-{'signed-in' if s else 'signed-out'}")
    for p in PREFIXES
    for s in (False, True)
]


@pytest.mark.parametrize(("prefix", "signed_in"), CASES)
def test_no_server_error_and_bodies_match_the_document(
    stack: Stack, cookie: str, prefix: str, signed_in: bool
) -> None:
    result = fuzzed(stack, cookie, prefix, signed_in)
    assert result.cases > 0
    broken = [f for f in result.findings if f.check != STATUS_CHECK]
    assert not broken, describe(broken)


@pytest.mark.parametrize(("prefix", "signed_in"), CASES)
def test_every_status_code_is_documented(
    stack: Stack, cookie: str, prefix: str, signed_in: bool
) -> None:
    result = fuzzed(stack, cookie, prefix, signed_in)
    undocumented = [f for f in result.findings if f.check == STATUS_CHECK]
    assert not undocumented, describe(undocumented)
