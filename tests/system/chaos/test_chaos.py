"""The short chaos run (`python -m harness.chaos --quick`) as a test: kill -9 each service in
turn, then NATS, then Redis, under a purchase load; the system must converge to every
invariant afterwards (no double sale, no hold past its expiry, tickets' view equal to
the orders', every kept charge for a complete order, nothing dead-lettered).

Timings are reported in the JSON/Markdown written under var/bench/, never asserted.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from harness import report
from harness.chaos import QUICK, ChaosConfig, markdown, run_chaos
from harness.client import run_sync
from harness.stack import run_dir


def test_every_invariant_holds_after_each_process_is_killed() -> None:
    out = run_dir("chaos-test")
    cfg = ChaosConfig(**asdict(QUICK))
    lines: list[str] = []
    data: dict[str, Any] = {"run": out.name, "machine": report.machine()}
    data |= run_sync(run_chaos(cfg, out, lines.append))
    report.write(out, "chaos-test", data, markdown(data))

    killed = [f["target"] for f in data["faults"]]
    assert {"nats", "redis"} <= set(killed), killed
    assert data["converged"], (
        f"not converged {data['converge_s_after_load_stopped']}s after the load stopped "
        f"(report: {out}):\n" + "\n".join(data["problems"][:30])
    )
    later = data["after_every_expiry"]
    assert later["converged"], "after every hold expired:\n" + "\n".join(later["problems"][:30])
    assert not data["orders_replica_check"]["mismatches"], data["orders_replica_check"]
    assert data["final_state"]["orders"] > 0 and data["outcomes"].get("pay 201", 0) > 0
