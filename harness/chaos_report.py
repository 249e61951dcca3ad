"""The chaos run's report as Markdown (the JSON is `run_chaos`'s result itself)."""

from __future__ import annotations

from typing import Any


def markdown(data: dict[str, Any]) -> str:
    cfg = data["config"]
    out = [
        f"# Chaos run {data.get('run', '')}",
        "",
        f"{data['machine']['date']} · {data['machine']['cpus']} CPUs · git {data['machine']['git']}"
        f" · replicas {cfg['replicas']} · {cfg['workers']} concurrent journeys · each fault "
        f"{cfg['down_s']} s down, {cfg['between_s']} s of load between faults · hold window "
        f"{cfg['window']} s",
        "",
    ]
    if "faults" not in data:
        return "\n".join([*out, f"Aborted: {data.get('aborted')}", ""])
    later = data.get("after_every_expiry", {})
    seconds = data["converge_s_after_load_stopped"]
    if data["converged"]:
        verdict = f"**yes**: every invariant held {seconds} s after the load stopped"
    else:
        verdict = (
            f"**NO**: {data['problem_count']} problem(s) left {seconds} s after the load stopped"
        )
    verdict += f" ({data['converge_polls']} polls); once every hold placed had expired: "
    verdict += (
        "still all hold."
        if later.get("converged")
        else (f"**{len(later.get('problems', []))} problem(s)**.")
    )
    out += [
        f"Converged: {verdict}",
        "",
        "| fault (SIGKILL) | at | down | ready after restart | consumer caught up | "
        "errors seen by the load meanwhile |",
        "|---|---|---|---|---|---|",
    ]
    for f in data["faults"]:
        errors = ", ".join(f"{k}: {v}" for k, v in f["errors_meanwhile"].items()) or "none"
        caught = "-" if f["caught_up_s"] is None else f"{f['caught_up_s']} s"
        out.append(
            f"| {f['target']} | t+{f['killed_at_s']} s | {f['down_s']} s | "
            f"{f['ready_after_restart_s']} s | {caught} | {errors} |"
        )
    state = data["final_state"]
    replica = data.get("orders_replica_check", {"checked": 0, "mismatches": []})
    out += [
        "",
        "## Final state",
        "",
        f"- tickets: {state['tickets']} {state['tickets_by_status']}",
        f"- orders: {state['orders']} {state['orders_by_status']}",
        f"- PaymentIntents: {state['payment_intents_by_status']}, refunds: {state['refunds']}",
        f"- dead letters: {state['dead_letters']}",
        f"- orders' replica of re-priced tickets: {replica['checked']} checked, "
        f"{len(replica['mismatches'])} mismatched"
        + "".join(f"\n  - {m}" for m in replica["mismatches"]),
        "",
        "## Load outcomes",
        "",
        ", ".join(f"{k}: {v}" for k, v in data["outcomes"].items()),
        "",
    ]
    if data["problems"]:
        out += ["## Broken invariants", ""] + [f"- {p}" for p in data["problems"]] + [""]
    if data.get("converge_history"):
        out += ["## Still wrong while converging (seconds after the load stopped)", ""]
        for at, count, sample in data["converge_history"]:
            out.append(f"- {at} s: {count} problem(s), e.g. {sample[0]}")
        out.append("")
    if data["internal_server_errors_500"]:
        out += (
            ["## 500 responses", ""]
            + [
                f"- t+{e['at']} s {e['op']}: {e['detail']}"
                for e in data["internal_server_errors_500"]
            ]
            + [""]
        )
    if data["errors_outside_fault_windows"]:
        out += (
            ["## Errors outside any fault window", ""]
            + [
                f"- t+{e['at']} s {e['op']} {e['status']}: {e['detail']}"
                for e in data["errors_outside_fault_windows"]
            ]
            + [""]
        )
    return "\n".join(out) + "\n"
