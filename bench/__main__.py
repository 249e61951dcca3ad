"""`python -m bench [--replicas 2] [--quick]` (what `make bench` runs)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench import catalog_lag, databases, onsale, profile, scenarios
from harness import report
from harness.client import Api
from harness.events import EventTap
from harness.stack import LauncherStack, ManagedStack, StackConfig, StackFailed, run_dir

FULL = {
    "tickets": 100,
    "buyers": 200,
    "signups": 50,
    "connections": 64,
    "seconds": 15,
    "profile_seconds": 6,
    "in_flight": 100,
    "latency_samples": 100,
    "expiry_holds": 1000,
    "window": 90,
    "catalog_samples": 100,
}
QUICK = {
    "tickets": 20,
    "buyers": 60,
    "signups": 10,
    "connections": 32,
    "seconds": 5,
    "profile_seconds": 3,
    "in_flight": 50,
    "latency_samples": 10,
    "expiry_holds": 50,
    "window": 20,
    "catalog_samples": 10,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--replicas", type=int, default=1, help="processes per stateless service")
    parser.add_argument("--quick", action="store_true", help="a small run (smoke test)")
    parser.add_argument(
        "--default-ports",
        action="store_true",
        help="use make run's ports (8080, 4001…) instead of free ones",
    )
    parser.add_argument(
        "--real-signups",
        action="store_true",
        help="sign every buyer up through auth (argon2) instead of minting sessions "
        "with the stack's JWT_KEY for all but the first 50",
    )
    parser.add_argument(
        "--managed",
        action="store_true",
        help="run each Procfile line as its own process, without the UI, instead of "
        "the launcher (cold start is then not make run's)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="every service's database on a throwaway PostgreSQL instead of SQLite",
    )
    parser.add_argument("--exclude", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["spike", "profile", "latency", "catalog", "expiry", "footprint"],
        help="leave a phase out",
    )
    for key in FULL:
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    params = dict(QUICK if args.quick else FULL)
    for key in FULL:
        if getattr(args, key) is not None:
            params[key] = getattr(args, key)
    console = Console()
    out = run_dir("run")
    with contextlib.ExitStack() as resources:
        extra_env = resources.enter_context(databases.postgres()) if args.postgres else {}
        cfg = StackConfig.allocate(
            out / "stack",
            replicas=args.replicas,
            expiration_window=params["window"],
            defaults=args.default_ports,
            extra_env=extra_env,
        )
        data: dict[str, Any] = {
            "run": out.name,
            "mode": "quick" if args.quick else "full",
            "replicas": args.replicas,
            "database": "PostgreSQL" if args.postgres else "SQLite",
            "params": params,
            "in_flight": params["in_flight"],
            "machine": report.machine(),
        }
        wall = time.monotonic()
        run_stack(args, cfg, params, data, console)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    data["load_generator"] = {
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "wall_s": round(time.monotonic() - wall, 1),
    }
    data["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    markdown = report.bench_markdown(data)
    if data.get("spike"):
        markdown += "\n".join(onsale.markdown(data["spike"])) + "\n"
    if data.get("profile"):
        markdown += "\n".join(profile.markdown(data["profile"])) + "\n"
    if data.get("catalog_lag"):
        markdown += "\n".join(catalog_lag.markdown(data["catalog_lag"])) + "\n"
    json_path, md_path = report.write(out, "bench", data, markdown)
    console.print(Path(md_path).read_text(), markup=False, highlight=False, soft_wrap=True)
    console.print(f"reports: {json_path} and {md_path}")
    failed = "aborted" in data or data.get("phase_errors") or not invariants_hold(data)
    return 1 if failed else 0


def run_stack(
    args: argparse.Namespace,
    cfg: StackConfig,
    params: dict[str, Any],
    data: dict[str, Any],
    console: Console,
) -> None:
    console.print(
        f"[bold]bench[/] {data['mode']} · replicas {args.replicas} · {data['database']} · "
        f"stack on {cfg.url} · data and logs in {cfg.var}"
    )
    stack: LauncherStack | ManagedStack = (
        ManagedStack(cfg, exclude=args.exclude) if args.managed else LauncherStack(cfg)
    )
    data["launcher"] = "managed processes, no UI" if args.managed else "scripts/stack.py (honcho)"
    try:
        with console.status("starting the stack (scripts/stack.py; the UI build is slow)…"):
            stack.start()
            data["cold_start"] = stack.wait_ready()
        console.print(
            f"ready: APIs {data['cold_start']['api_ready_s']:.1f}s, "
            f"UI {data['cold_start']['ready_s']:.1f}s"
        )
        if "footprint" not in args.skip:
            data["footprint_idle"] = idle_footprint(stack)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            jwt_key = None if args.real_signups else cfg.jwt_key()
            asyncio.run(load(cfg, stack, params, args.skip, data, progress, jwt_key))
        if "footprint" not in args.skip:
            data["footprint_after"] = stack.footprint()
    except (StackFailed, KeyboardInterrupt, Exception) as exc:
        data["aborted"] = f"{type(exc).__name__}: {exc}"[:4000]
        console.print(f"[red]aborted:[/] {data['aborted']}")
    finally:
        with console.status("stopping the stack…"):
            stack.stop()


def idle_footprint(stack: LauncherStack | ManagedStack) -> list[dict[str, Any]]:
    """Footprint once the ready stack has gone quiet (under 0.1 core busy over 1 s)."""
    stack.wait_idle()
    return stack.footprint()


async def load(
    cfg: StackConfig,
    stack: LauncherStack | ManagedStack,
    params: dict[str, Any],
    skip: list[str],
    data: dict[str, Any],
    progress: Progress,
    jwt_key: str | None,
) -> None:
    def processes() -> dict[str, list[int]]:
        return {str(row["process"]): list(row["pids"]) for row in stack.footprint()}  # type: ignore[call-overload]

    async with (
        Api(cfg.url, max_in_flight=params["in_flight"]) as api,
        EventTap(cfg.nats_url) as tap,
    ):
        out = cfg.var.parent

        async def spike() -> dict[str, Any]:
            return {
                "spike": await onsale.spike(
                    api, cfg.url, cfg.nats_url, out, params, progress, jwt_key, processes
                )
            }

        async def profiled() -> dict[str, Any]:
            return {
                "profile": await profile.orders_under_load(api, cfg.url, out, params, processes)
            }

        async def latency() -> dict[str, Any]:
            return {
                "event_latency": await scenarios.event_latency(
                    api, tap, params["latency_samples"], progress
                )
            }

        async def catalog() -> dict[str, Any]:
            return {
                "catalog_lag": await catalog_lag.catalog_lag(
                    api, params["catalog_samples"], progress
                )
            }

        async def expiry() -> dict[str, Any]:
            return {
                "expiry": await scenarios.expiry(
                    api, tap, params["expiry_holds"], params["window"], progress, jwt_key
                )
            }

        phases: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
            "spike": spike,
            "profile": profiled,
            "latency": latency,
            "catalog": catalog,
            "expiry": expiry,
        }
        for name, phase in phases.items():
            if name in skip:
                continue
            try:
                data |= await phase()
            except Exception as exc:  # a broken phase is reported; the others still run
                data.setdefault("phase_errors", {})[name] = f"{type(exc).__name__}: {exc}"[:2000]


def invariants_hold(data: dict[str, Any]) -> bool:
    spike = data.get("spike")
    if spike and not (spike["invariants"]["ok"] and spike["checkout"].get("ok", True)):
        return False
    ex = data.get("expiry")
    return not (ex and ex.get("api_check", {}).get("orders_not_cancelled"))


if __name__ == "__main__":
    sys.exit(main())
