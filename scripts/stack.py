"""Run the whole marketplace on one machine: `make run` (honcho + a generated Procfile).

Writes `var/Procfile` (infra/local_processes.py) and `var/nginx/nginx.conf` from the
environment, prints what runs where, starts everything under honcho, and prints the URL
once every service answers its readiness check through the ingress. Ctrl-C stops it all;
data and logs stay under `var/`.

`make run OBSERVE=1` adds a trace sink and Prometheus (scripts/observe.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: `python scripts/stack.py`

import observe  # noqa: E402  # scripts/observe.py (this script's folder is on sys.path)

from contracts.topology import SERVICES  # noqa: E402
from infra import access  # noqa: E402
from infra.local_processes import Config, Proc, all_processes, replicas_of  # noqa: E402
from infra.local_secrets import LocalSecrets, without_secrets, write_private  # noqa: E402


def processes(cfg: Config, secrets: LocalSecrets) -> list[Proc]:
    if not observe.observing():
        return all_processes(cfg, secrets)
    targets = {
        s.name: [cfg.replica_port(s.name, i) for i in range(replicas_of(cfg, s))] for s in SERVICES
    }
    extras = [Proc(e.name, e.argv, where=e.where) for e in observe.extras(cfg.var, targets)]
    return all_processes(cfg, secrets, extras, service_env=observe.service_env())


def readiness_urls(cfg: Config) -> list[str]:
    base = f"http://127.0.0.1:{cfg.http_port}"
    return [
        f"{base}{s.prefix}/readyz" if s.prefix else f"http://127.0.0.1:{cfg.ports[s.name]}/readyz"
        for s in SERVICES
    ] + [f"{base}/ping"]


def is_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the stack like Ctrl-C does
    cfg = Config.from_env()
    (cfg.var / "log").mkdir(parents=True, exist_ok=True)
    secrets = LocalSecrets(cfg.var)
    secrets.process_dir(access.OPS_USER, nats_user=access.OPS_USER)  # for bench and chaos
    procs = processes(cfg, secrets)
    procfile = write_private(
        cfg.var / "Procfile", "\n".join(p.procfile_line() for p in procs) + "\n"
    )
    if "--write-only" in sys.argv[1:]:  # harness.chaos runs each Procfile line itself
        print(procfile)
        return 0
    print(f"Starting the marketplace (data and logs under {cfg.var}):")
    for p in procs:
        print(f"  {p.name:<12} {p.where}")
    log = (cfg.var / "log" / "stack.log").open("ab")
    honcho = subprocess.Popen(
        [
            str(REPO / ".venv/bin/honcho"),
            "start",
            "-f",
            str(procfile),
            "-d",
            str(REPO),
            "--no-colour",
        ],
        cwd=REPO,
        env=without_secrets(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return supervise(cfg, honcho, log)


def seed(cfg: Config) -> None:
    """scripts/seed.py against this stack, alongside it (its output joins ours)."""
    env = {**os.environ, "HTTP_PORT": str(cfg.http_port), "VAR_DIR": str(cfg.var)}
    subprocess.Popen([sys.executable, str(REPO / "scripts/seed.py")], env=env, cwd=REPO)


def supervise(cfg: Config, honcho: subprocess.Popen[bytes], log: object) -> int:
    started = time.monotonic()
    pending = readiness_urls(cfg)
    os.set_blocking(honcho.stdout.fileno(), False)  # type: ignore[union-attr]
    try:
        while honcho.poll() is None:
            chunk = honcho.stdout.read()  # type: ignore[union-attr]
            if chunk:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
                log.write(chunk)  # type: ignore[attr-defined]
            if pending:
                pending = [url for url in pending if not is_ready(url)]
                if not pending:
                    print(
                        f"\n==> Ready in {time.monotonic() - started:.0f}s: "
                        f"http://localhost:{cfg.http_port}  (Ctrl-C stops everything)\n",
                        flush=True,
                    )
                    if os.environ.get("SEED") == "1":  # `make run SEED=1`
                        seed(cfg)
            time.sleep(0.2)
    except KeyboardInterrupt:
        honcho.send_signal(signal.SIGINT)
        print("\nStopping…", flush=True)
        return honcho.wait(60)
    return honcho.returncode


if __name__ == "__main__":
    sys.exit(main())
