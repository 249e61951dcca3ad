"""The hostile strings of `harness.hostile`, sent in process to one service.

A lone surrogate cannot be encoded as UTF-8, so JSON carries it as the escape
`\\ud800`; `json.dumps` (ASCII-only by default) writes exactly that.
"""

from __future__ import annotations

import json
from typing import Any

from harness.hostile import HOSTILE

__all__ = ["HOSTILE", "json_body", "json_request"]


def json_body(body: Any) -> dict[str, Any]:
    """httpx keyword arguments for a JSON body that may hold lone surrogates."""
    return {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}


def json_request(body: Any, headers: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """(content, headers) for a JSON body that may hold lone surrogates."""
    return json.dumps(body), {"Content-Type": "application/json", **(headers or {})}
