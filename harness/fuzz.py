"""Fuzzing every service's OpenAPI document through the ingress with schemathesis 4.

`python -m harness.fuzz [--url http://127.0.0.1:8080] [--examples 50]` starts a stack
(or uses a running one), then for each service and for a signed-out and a signed-in
client generates requests from `/api/<prefix>/openapi.json` (valid ones, and
invalid ones in negative mode) and checks each response: no 5xx, a status code
the document lists, the documented content type, a body matching the documented
schema. Every finding is kept with the request (as curl) and the response, so a
service owner can reproduce it. `tests/system/fuzz` runs a bounded version.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contracts.topology import apis

PREFIXES = tuple(s.prefix.removeprefix("/api/") for s in apis() if s.prefix)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Finding:
    service: str
    signed_in: bool
    mode: str
    operation: str
    check: str
    status: int | None
    request: str  # curl
    response: str  # body excerpt
    message: str

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        return (self.operation, self.check, self.mode, self.status)


@dataclass
class ServiceResult:
    service: str
    signed_in: bool
    cases: int
    findings: list[Finding]


def _check_name(failure: Exception) -> str:
    title = getattr(failure, "title", None) or type(failure).__name__
    return str(title)


def fuzz_service(
    base_url: str,
    prefix: str,
    cookie: str | None,
    examples: int,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    exclude_paths: tuple[str, ...] = ("/readyz",),
    seed: int = 1,
) -> ServiceResult:
    """Fuzz one service's document; `examples` cases per operation and mode."""
    schema = schemathesis.openapi.from_url(
        f"{base_url}/api/{prefix}/openapi.json", wait_for_schema=30
    )
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    findings: dict[tuple[str, str, str, int | None], Finding] = {}
    cases = 0
    session = requests.Session()
    session.cookies.set_policy(_RejectAll())  # the signed-in cookie never changes

    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            error = result.err()
            bad = Finding(
                prefix,
                cookie is not None,
                "-",
                "(document)",
                "invalid operation",
                None,
                "",
                "",
                str(error)[:1500],
            )
            findings.setdefault(bad.key, bad)
            continue
        operation = result.ok()
        if any(operation.path.endswith(p) for p in exclude_paths):
            continue
        if cookie and "/signout" in operation.path:
            continue  # it would end the session every later signed-in case relies on
        for mode in modes:
            recorder = _Recorder(
                findings, prefix, cookie is not None, mode, operation.label, headers, base_url
            )
            check_one = _case_checker(recorder, session, base_url, headers)
            test = hypothesis.given(case=operation.as_strategy(generation_mode=mode))(check_one)
            test = hypothesis.settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
                verbosity=hypothesis.Verbosity.quiet,
            )(test)
            # Unsatisfiable: nothing to mutate (no parameters, no body) in negative mode
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                hypothesis.seed(seed)(test)()
            cases += recorder.cases
    return ServiceResult(prefix, cookie is not None, cases, list(findings.values()))


def _case_checker(
    note: _Recorder, session: requests.Session, base_url: str, headers: dict[str, str]
) -> Callable[[schemathesis.Case], None]:
    def check_one(case: schemathesis.Case) -> None:
        note.cases += 1
        try:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=15)
        except requests.RequestException as exc:
            note(case, type(exc).__name__, None, "", str(exc))
            return
        try:
            case.validate_response(
                response,
                checks=CHECKS,
                headers=headers,
                transport_kwargs={"base_url": base_url, "headers": headers},
            )
        except FailureGroup as group:
            body = response.content[:600].decode(errors="replace")
            for failure in group.exceptions:
                note(
                    case,
                    _check_name(failure),
                    response.status_code,
                    body,
                    str(getattr(failure, "message", failure)),
                )

    return check_one


class _RejectAll(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


@dataclass
class _Recorder:
    findings: dict[tuple[str, str, str, int | None], Finding]
    prefix: str
    signed_in: bool
    mode: Any
    label: str
    headers: dict[str, str]
    base_url: str
    cases: int = 0

    def __call__(
        self, case: schemathesis.Case, check: str, status: int | None, body: str, message: str
    ) -> None:
        try:
            curl = case.as_curl_command(headers=self.headers, base_url=self.base_url)
        except Exception:  # a case that cannot be rendered is still a finding
            curl = f"{case.method} {case.formatted_path}"
        finding = Finding(
            service=self.prefix,
            signed_in=self.signed_in,
            mode=str(getattr(self.mode, "value", self.mode)),
            operation=self.label,
            check=check,
            status=status,
            request=curl,
            response=body,
            message=message[:1500],
        )
        self.findings.setdefault(finding.key, finding)


def signed_in_cookie(base_url: str) -> str:
    import uuid

    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    response = requests.post(
        f"{base_url}/api/users/signup", json={"email": email, "password": "password123"}, timeout=30
    )
    response.raise_for_status()
    return str(response.cookies["session"])


def fuzz_all(
    base_url: str,
    examples: int,
    prefixes: tuple[str, ...] = PREFIXES,
    say: Callable[[str], None] = print,
) -> list[ServiceResult]:
    cookie = signed_in_cookie(base_url)
    results = []
    for prefix in prefixes:
        for token in (None, cookie):
            result = fuzz_service(base_url, prefix, token, examples)
            say(
                f"{prefix:<9} {'signed in ' if token else 'signed out'}: {result.cases} cases, "
                f"{len(result.findings)} distinct finding(s)"
            )
            results.append(result)
    return results


def markdown(results: list[ServiceResult], data: dict[str, Any]) -> str:
    total = sum(r.cases for r in results)
    out = [
        f"# Fuzz run {data.get('run', '')}",
        "",
        f"{data['machine']['date']} · git {data['machine']['git']} · {data['examples']} "
        f"examples per operation and mode (positive + negative) · {total} requests",
        "",
        "| service | signed in | cases | distinct findings |",
        "|---|---|---|---|",
    ]
    for r in results:
        out.append(
            f"| {r.service} | {'yes' if r.signed_in else 'no'} | {r.cases} | {len(r.findings)} |"
        )
    for r in results:
        for f in r.findings:
            out += [
                "",
                f"## {f.service} ({'signed in' if f.signed_in else 'signed out'}, "
                f"{f.mode}): {f.operation} — {f.check}",
                "",
                "```",
                f.request,
                "```",
                "",
                f"→ {f.status}",
                "",
                "```",
                f.response,
                "```",
                "",
                "```",
                f.message,
                "```",
            ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    from . import report
    from .managed import ManagedStack
    from .stack import StackConfig, run_dir

    parser = argparse.ArgumentParser(
        prog="python -m harness.fuzz",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="a running stack's ingress (default: start one)")
    parser.add_argument("--examples", type=int, default=50, help="cases per operation and mode")
    parser.add_argument("--service", action="append", choices=PREFIXES)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    out = run_dir("fuzz")
    data: dict[str, Any] = {"run": out.name, "machine": report.machine(), "examples": args.examples}
    stack = None
    url = args.url
    if url is None:
        stack = ManagedStack(StackConfig.allocate(out / "stack"))
        stack.start_all()
        url = stack.cfg.url
    try:
        results = fuzz_all(url, args.examples, tuple(args.service or PREFIXES))
    finally:
        if stack is not None:
            stack.stop_all()
    data["results"] = [asdict(r) for r in results]
    json_path, md_path = report.write(out, "fuzz", data, markdown(results, data))
    print(md_path.read_text())
    print(f"reports: {json_path} and {md_path}")
    return 0 if not any(r.findings for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
