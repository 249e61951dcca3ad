"""The processes of a local stack (`make run`): what each runs, with which environment.

Built from the topology table; `scripts/stack.py` writes them to `var/Procfile` and runs
them under honcho. Secrets never appear here: each process gets a `SECRETS_DIR` from
`LocalSecrets` (infra/local_secrets.py) and reads its own files. Every port can be moved
with an environment variable, which is how the system tests run a second stack beside a
developer's.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from contracts import topology
from contracts.topology import SERVICES, UI_NAME
from infra import access
from infra.local_secrets import LocalSecrets

REPO = Path(__file__).resolve().parents[1]


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


def shared_env(cfg: Config, extra: Mapping[str, str] = MappingProxyType({})) -> dict[str, str]:
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
    return env | dict(extra)


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


def replicas_of(cfg: Config, service: topology.ServiceInfo) -> int:
    # Workers run once: a second arq worker or timer owner buys nothing locally.
    return cfg.replicas if service.kind is topology.Kind.API else 1


def services(
    cfg: Config, secrets: LocalSecrets, extra_env: Mapping[str, str] = MappingProxyType({})
) -> list[Proc]:
    base = shared_env(cfg, extra_env)
    procs = []
    for service in SERVICES:
        replicas = replicas_of(cfg, service)
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


def all_processes(
    cfg: Config,
    secrets: LocalSecrets,
    extras: Sequence[Proc] = (),
    service_env: Mapping[str, str] = MappingProxyType({}),
) -> list[Proc]:
    """Servers (and `extras` beside them), services (with `service_env` added to their
    environment) and the UI, then the ingress in front of them."""
    procs = [*infrastructure(cfg, secrets), *extras, *services(cfg, secrets, service_env)]
    procs.append(ui(cfg, secrets))
    return [*procs, ingress(cfg, procs)]
