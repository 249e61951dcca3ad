"""Consumer liveness: set by `run_consumer` and its supervisor, read by `/readyz`."""

from __future__ import annotations


class ConsumerHealth:
    """Which consumers are down, and why: one of the facts `/readyz` reports."""

    def __init__(self) -> None:
        self._down: dict[str, str] = {}

    def up(self, name: str) -> None:
        self._down.pop(name, None)

    def down(self, name: str, reason: str) -> None:
        self._down[name] = reason

    def is_up(self, name: str) -> bool:
        return name not in self._down

    def checks(self) -> dict[str, str]:
        """For `/readyz`'s `checks`: each consumer that is down, with why."""
        return {f"consumer {name}": f"down: {why}" for name, why in sorted(self._down.items())}
