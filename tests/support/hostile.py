"""Strings an attacker sends to every text and id field, and a way to send them.

A lone surrogate cannot be encoded as UTF-8, so JSON carries it as the escape
`\\ud800`; `json.dumps` (ASCII-only by default) writes exactly that.
"""

from __future__ import annotations

import json
from typing import Any

NUL = "nul\x00byte"
LONE_SURROGATE = "lone\ud800surrogate"
RIGHT_TO_LEFT_OVERRIDE = "gpj.\u202eexe"
HUGE = "x" * 10_240
HOSTILE = {"nul": NUL, "surrogate": LONE_SURROGATE, "rlo": RIGHT_TO_LEFT_OVERRIDE, "10kB": HUGE}


def json_body(body: Any) -> dict[str, Any]:
    """httpx keyword arguments for a JSON body that may hold lone surrogates."""
    return {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}


def json_request(body: Any, headers: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """(content, headers) for a JSON body that may hold lone surrogates."""
    return json.dumps(body), {"Content-Type": "application/json", **(headers or {})}
