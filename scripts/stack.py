"""Run the whole marketplace on one machine: `make run` (honcho + a generated Procfile).

Writes `var/Procfile` and `var/nginx/nginx.conf` from the environment, prints what
runs where, starts everything under honcho, and prints the URL once every service
answers its readiness check through the ingress. Ctrl-C stops it all; data and logs
stay under `var/`. Every port can be moved with an environment variable, which is
how the system tests run a second stack beside a developer's.

`make run OBSERVE=1` adds a trace sink and Prometheus (scripts/observe.py).
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: `python scripts/stack.py`

import observe  # noqa: E402  # scripts/observe.py (this script's folder is on sys.path)

from contracts import topology  # noqa: E402
from contracts.topology import SERVICES, UI_NAME  # noqa: E402
from infra import access  # noqa: E402
from infra.local_secrets import LocalSecrets, write_private  # noqa: E402

# Never handed down to the processes' environment: each reads its own from SECRETS_DIR.
SECRET_ENV: tuple[str, ...] = ("JWT_KEY", "NATS_PASSWORD", "REDIS_PASSWORD", "STRIPE_SECRET_KEY")
SECRET_ENV += ("STRIPE_WEBHOOK_SECRET",)


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    where: str = ""

    def procfile_line(self) -> str:
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        return f"{self.name}: env {assignments} {shlex.join(self.argv)}".replace("  ", " ")


@dataclass
class Config:
    var: Path
    http_port: int
    replicas: int
    ports: dict[str, int]

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ
        ports = {
            name: int(env.get(f"{name.upper()}_PORT", port))
            for name, port in topology.local_ports().items()
        }
        return cls(
            var=Path(env.get("VAR_DIR", REPO / "var")).resolve(),
            http_port=int(env.get("HTTP_PORT", str(topology.HTTP_PORT))),
            replicas=max(1, int(env.get("REPLICAS", "1"))),
            ports=ports,
        )

    def replica_port(self, service: str, index: int) -> int:
        return self.ports[service] + topology.REPLICA_PORT_STEP * index  # 4001, 4011, ...


# CONTRACT §8 limits and the settings they depend on; a test stack may raise them.
LIMIT_SETTINGS = (
    "SIGNIN_FAILURES_PER_EMAIL",
    "SIGNIN_FAILURES_PER_ADDRESS",
    "SIGNUPS_PER_ADDRESS",
    "MAX_ACTIVE_HOLDS",
    "REHOLD_COOLDOWN_SECONDS",
    "TRUSTED_PROXIES",
    "SESSION_REVOCATION_CACHE_SECONDS",
)


def shared_env(cfg: Config) -> dict[str, str]:
    env = {
        "NATS_URL": f"nats://127.0.0.1:{cfg.ports['nats']}",
        "REDIS_URL": f"redis://127.0.0.1:{cfg.ports['redis']}/0",
        "ENVIRONMENT": os.environ.get("ENVIRONMENT", "local"),
        "COOKIE_SECURE": os.environ.get("COOKIE_SECURE", "false"),
    }
    for passthrough in (
        "EXPIRATION_WINDOW_SECONDS",
        "SESSION_TTL_SECONDS",
        "BUYER_FEE_BPS",
        "BUYER_FEE_FIXED",
        "RESALE_CAP_PERCENT",
        "LOG_LEVEL",
        "LOG_JSON",
        *LIMIT_SETTINGS,
    ):
        if passthrough in os.environ:
            env[passthrough] = os.environ[passthrough]
    if observe.observing():
        env |= observe.service_env()
    return env


def stripe_env(cfg: Config) -> dict[str, str]:
    if "STRIPE_SECRET_KEY" in os.environ:  # the real key: read from SECRETS_DIR
        return {}
    return {
        "STRIPE_SECRET_KEY": "sk_test_local",  # not a secret: localstripe takes any key
        "STRIPE_API_BASE": f"http://127.0.0.1:{cfg.ports['stripe']}",
    }


def infrastructure(cfg: Config, secrets: LocalSecrets) -> list[Proc]:
    nats_conf, redis_conf = secrets.server_configs(
        cfg.ports["nats"], cfg.ports["nats_monitor"], cfg.ports["redis"]
    )
    procs = [
        Proc(
            "nats",
            [str(REPO / ".venv/bin/nats-server"), "-c", str(nats_conf)],
            where=f"nats://127.0.0.1:{cfg.ports['nats']} (JetStream, users: {nats_conf})",
        ),
        Proc(
            "redis",
            ["redis-server", str(redis_conf)],
            where=f"redis://127.0.0.1:{cfg.ports['redis']} (AOF, ACL: {redis_conf})",
        ),
    ]
    if "STRIPE_SECRET_KEY" not in os.environ:
        procs.append(local_stripe(cfg, secrets))
    if observe.observing():
        targets = {
            s.name: [cfg.replica_port(s.name, i) for i in range(_replicas(cfg, s))]
            for s in SERVICES
        }
        procs += [Proc(e.name, e.argv, where=e.where) for e in observe.extras(cfg.var, targets)]
    return procs


def local_stripe(cfg: Config, secrets: LocalSecrets) -> Proc:
    """localstripe, the payments webhook (through the ingress) registered and signed with
    the secret payments verifies (SECRETS_DIR). --from-scratch: localstripe reloads a pickle
    every instance on the machine shares (/tmp/localstripe.pickle); ours starts empty."""
    webhook = f"http://127.0.0.1:{cfg.http_port}/api/payments/webhooks/stripe"
    argv = [str(REPO / ".venv/bin/python"), str(REPO / "scripts/local_stripe.py")]
    argv += ["--port", str(cfg.ports["stripe"]), "--webhook-url", webhook, "--from-scratch"]
    env = {"SECRETS_DIR": str(secrets.process_dir("stripe", stripe=True))}
    return Proc("stripe", argv, env, f"http://127.0.0.1:{cfg.ports['stripe']} (localstripe)")


def services(cfg: Config, secrets: LocalSecrets) -> list[Proc]:
    base = shared_env(cfg)
    procs = []
    for service in SERVICES:
        replicas = _replicas(cfg, service)
        for index in range(replicas):
            port = cfg.replica_port(service.name, index)
            env = {**base, "PORT": str(port)}
            files = {}
            if service.database:
                default_db = f"sqlite:///{cfg.var / 'data' / f'{service.name}.db'}"
                url = os.environ.get(f"{service.env_prefix}_DATABASE_URL", default_db)
                if urlsplit(url).password:  # a password in the URL: a secret file
                    files["database_url"] = url
                else:
                    env["DATABASE_URL"] = url
            folder = secrets.process_dir(
                service.name,
                nats_user=service.name if access.on_bus(service) else None,
                redis_user=service.name if service.redis else None,
                jwt=service.kind is topology.Kind.API,
                stripe=service.stripe,
                files=files,
            )
            env["SECRETS_DIR"] = str(folder)
            if service.stripe:
                env |= stripe_env(cfg)
            name = service.name if replicas == 1 else f"{service.name}{index + 1}"
            procs.append(
                Proc(
                    name,
                    [str(REPO / ".venv/bin/python"), "-m", service.module],
                    env,
                    where=f"http://127.0.0.1:{port}{service.health_prefix or '/healthz'}",
                )
            )
    return procs


def _replicas(cfg: Config, service: topology.ServiceInfo) -> int:
    # Workers run once: a second arq worker or timer owner buys nothing locally.
    return cfg.replicas if service.kind is topology.Kind.API else 1


def ui(cfg: Config, secrets: LocalSecrets) -> Proc:
    port = cfg.ports[UI_NAME]
    folder = secrets.process_dir(UI_NAME, nats_user=UI_NAME, redis_user=UI_NAME)
    env = {
        "SECRETS_DIR": str(folder),
        "PATH": f"{REPO / '.tools/node_modules/.bin'}:{os.environ['PATH']}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "NPM_CONFIG_REGISTRY": "https://registry.npmjs.org",
        "REFLEX_USE_GRANIAN": "1",
        "GRANIAN_WORKERS": str(cfg.replicas),
        "REFLEX_API_URL": f"http://localhost:{cfg.http_port}",
        # Each stack builds its frontend in its own var/ so two stacks never clash.
        "REFLEX_WEB_WORKDIR": os.environ.get("UI_WEB_DIR", str(cfg.var / "web")),
        "REFLEX_STATES_WORKDIR": str(cfg.var / "states"),
        "HTTP_PORT": str(cfg.http_port),
        "UI_API_BASE_URL": f"http://127.0.0.1:{cfg.http_port}",
        "NATS_URL": f"nats://127.0.0.1:{cfg.ports['nats']}",
    }
    if cfg.replicas > 1:  # several UI processes share state and sockets through Redis
        # The password is added from SECRETS_DIR by rxconfig.py; the ACL forbids CONFIG.
        env["UI_REDIS_URL"] = f"redis://127.0.0.1:{cfg.ports['redis']}/1"
        env["REFLEX_IGNORE_REDIS_CONFIG_ERROR"] = "true"
    for passthrough in ("STRIPE_PUBLISHABLE_KEY", "EXPIRATION_WINDOW_SECONDS"):
        if passthrough in os.environ:
            env[passthrough] = os.environ[passthrough]
    argv = [
        str(REPO / ".venv-ui/bin/reflex"),
        "run",
        "--env",
        "prod",
        "--frontend-port",
        str(port),
        "--backend-host",
        "127.0.0.1",
        "--loglevel",
        "warning",
    ]
    return Proc(
        "ui", argv, env, where=f"http://127.0.0.1:{port} (Reflex, {cfg.replicas} worker(s))"
    )


def ingress(cfg: Config, procs: list[Proc]) -> Proc:
    prefix = cfg.var / "nginx"
    log_dir = cfg.var / "log"
    prefix.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    upstreams = [
        f"{p.name.rstrip('0123456789')}={p.where.split('//')[1].split('/')[0].split(' ')[0]}"
        for p in procs
        if p.name.rstrip("0123456789") in [*(s.name for s in topology.apis()), UI_NAME]
    ]
    argv = [
        sys.executable,
        str(REPO / "infra/routes.py"),
        "nginx",
        "--listen",
        f"127.0.0.1:{cfg.http_port}",  # loopback only, like every process of the stack
        "--prefix-dir",
        str(prefix),
        "--log-dir",
        str(log_dir),
        "--out",
        str(prefix / "nginx.conf"),
    ]
    for upstream in upstreams:
        argv += ["--upstream", upstream]
    subprocess.run(argv, check=True, cwd=REPO)
    nginx = "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "nginx"
    return Proc(
        "ingress",
        [nginx, "-p", str(prefix), "-c", "nginx.conf", "-e", "stderr"],
        where=f"http://localhost:{cfg.http_port}",
    )


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
    procs = infrastructure(cfg, secrets) + services(cfg, secrets) + [ui(cfg, secrets)]
    procs.append(ingress(cfg, procs))
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
        env={
            k: v
            for k, v in os.environ.items()
            if k not in SECRET_ENV and not k.endswith("_DATABASE_URL")
        },
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
