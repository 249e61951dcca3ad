"""The garbage collector, told that what a service built at start-up stays.

Everything imported and built before a service is ready (FastAPI, SQLAlchemy,
pydantic, OpenTelemetry: about half a million objects) lives as long as the process,
yet every full collection walked all of it again: about 70 ms with every request
stopped, several times a minute under load (measured in orders during the on-sale
spike; docs/bench.md). Frozen, a full collection walks only what came after (7 ms).
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Call once, when the service is ready to serve."""
    gc.collect()  # the start-up garbage goes now, not frozen along with the rest
    gc.freeze()
