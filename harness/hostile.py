"""Hostile strings in every text and id field of every endpoint (issue 11).

For each operation of a service's OpenAPI document, each string field (body
property, query or path parameter) in turn gets NUL, a lone surrogate (`\\ud800`),
U+202E (right-to-left override) and a 10 kB string, the other fields a plausible
value. The promise checked: never a 5xx; a text field in the body or query is a
400 naming it; an id is a 400 or 404 (CONTRACT §2: a malformed id is not found).
Passwords may hold U+202E (any printable Unicode is a valid password), and a
query or path cannot carry a lone surrogate at all (it arrives as U+FFFD), so
those two only promise "never a 5xx"; a 10 kB path or query is refused by the
ingress itself (414). `tests/system/fuzz` runs this; the service suites send the
same strings in process (`tests/support/hostile.py`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from contracts.rules import COOKIE_NAME

NUL = "nul\x00byte"
LONE_SURROGATE = "lone\ud800surrogate"
RIGHT_TO_LEFT_OVERRIDE = "gpj.\u202eexe"
HUGE = "x" * 10_240
HOSTILE = {"nul": NUL, "surrogate": LONE_SURROGATE, "rlo": RIGHT_TO_LEFT_OVERRIDE, "10kB": HUGE}


@dataclass(frozen=True)
class Field:
    location: str  # body | query | path
    name: str

    @property
    def is_id(self) -> bool:
        return self.name == "id" or self.name.endswith(("Id", "_id"))


@dataclass(frozen=True)
class Outcome:
    operation: str
    field: Field
    kind: str
    status: int
    body: str

    def problem(self) -> str | None:
        if self.status >= 500:
            return "server error"
        if self.status == 414 and self.kind == "10kB" and self.field.location != "body":
            return None  # the ingress refuses a 10 kB URL (nginx: 414) before any service
        if self.field.is_id:
            return None if self.status in (400, 404) else "an id must be 400 or 404"
        if (self.kind == "rlo" and self.field.name == "password") or (
            self.kind == "surrogate" and self.field.location != "body"
        ):
            return None
        if self.status != 400:
            return "a text field must be 400"
        try:
            fields = [e.get("field") for e in json.loads(self.body)["errors"]]
        except (ValueError, KeyError, TypeError):
            return "no contract error body"
        return None if self.field.name in fields else f"400 names {fields}, not the field"


def filler(name: str, schema: dict[str, Any]) -> Any:
    """A plausible value for a field that is not under attack."""
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("type") == "integer":
        return {"price": 2000, "version": 0}.get(name, 1)
    if any(o.get("format") == "date-time" for o in schema.get("anyOf", [schema])):
        return (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()
    named = {"email": f"h-{uuid.uuid4().hex[:10]}@example.com", "password": "password123"}
    named |= {"title": "Hostile gig", "token": "pm_card_visa", "q": "gig"}
    return named.get(name, uuid.uuid4().hex)


def _body_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return dict(schema)


Operation = tuple[str, str, dict[str, Any], dict[str, dict[str, Any]], list[Field]]


def operations(doc: dict[str, Any]) -> Iterator[Operation]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path.endswith(("/healthz", "/readyz")) or "/signout" in path:
                continue  # signing out would end the session the other cases use
            body = _body_schema(doc, op)
            params = {p["name"]: p.get("schema", {}) for p in op.get("parameters", [])}
            fields = [
                Field(p["in"], p["name"])
                for p in op.get("parameters", [])
                if p["in"] in ("query", "path") and _stringish(p.get("schema", {}))
            ]
            props = body.get("properties", {})
            fields += [Field("body", n) for n, s in props.items() if _stringish(s)]
            yield method.upper(), path, body, params, fields


def _stringish(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "string" for o in options)


def _url(base: str, path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(value.encode("utf-8", "surrogatepass"), ""))
    return base + path


def attack(base_url: str, prefix: str, cookie: str | None) -> list[Outcome]:
    doc = requests.get(f"{base_url}/api/{prefix}/openapi.json", timeout=30).json()
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
    outcomes = []
    for method, path, body_schema, params, fields in operations(doc):
        for target in fields:
            for kind, value in HOSTILE.items():
                args = (method, path, body_schema, params, fields, target, kind, value)
                outcomes.append(_one(base_url, *args, headers))
    return outcomes


def _one(
    base_url: str,
    method: str,
    path: str,
    body_schema: dict[str, Any],
    params: dict[str, dict[str, Any]],
    fields: list[Field],
    target: Field,
    kind: str,
    value: str,
    headers: dict[str, str],
) -> Outcome:
    def pick(f: Field, schema: dict[str, Any]) -> Any:
        return value if f == target else filler(f.name, schema)

    props = body_schema.get("properties", {})
    body = {n: pick(Field("body", n), s) for n, s in props.items()} if props else None
    path_values = {f.name: pick(f, {}) for f in fields if f.location == "path"}
    query = {f.name: pick(f, params[f.name]) for f in fields if f.location == "query"}
    url = _url(base_url, path, path_values)
    if query:
        url += "?" + "&".join(
            f"{k}={quote(str(v).encode('utf-8', 'surrogatepass'), '')}" for k, v in query.items()
        )
    response = requests.request(
        method,
        url,
        data=json.dumps(body) if body is not None else None,  # ASCII: \\ud800 as an escape
        headers=headers,
        timeout=30,
    )
    return Outcome(f"{method} {path}", target, kind, response.status_code, response.text[:300])
