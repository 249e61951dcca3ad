"""How arq stores jobs in Redis: JSON, never pickle.

arq pickles jobs by default, so anyone able to write a job key could run code in
this worker. With JSON a job is only ever data (a function name from our own
table, an order id); a job that is not valid JSON (a planted pickle) fails to
deserialize and is dropped by arq without running.
"""

from __future__ import annotations

import json
from typing import Any


def serialize(data: dict[str, Any]) -> bytes:
    # `default=repr`: a failed job's result may hold an exception; keep its text.
    return json.dumps(data, default=repr).encode()


def deserialize(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("an arq job is a JSON object")
    return data
