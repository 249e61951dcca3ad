"""Who may do what on the event bus and in Redis, derived from the topology table.

One table (`contracts.topology`) says which subjects each service publishes and
consumes; this module turns it into

* the nats-server `authorization` block: one user per service (named after it)
  that may publish only its own subjects (and its dead letters), may use the
  JetStream API only for its own durable consumer, and receives replies only on
  its own inbox prefix (`_INBOX.<name>.>`, so it cannot read another service's
  deliveries); the UI may only subscribe; `ops` (tooling: bench, chaos,
  dashboards) may read streams and consumers but publish nothing; anonymous
  clients are refused (there is no `no_auth_user`);
* the Redis ACL: `default` off, one user per use, each limited to its key prefix.

`scripts/stack.py` renders both for `make run` (under var/, 0600), the test
harness renders them for its servers, and Kubernetes takes them from Secrets
(`python infra/access.py k8s-secrets`, see docs/security.md).

    python infra/access.py nats-auth     # the authorization block, placeholder passwords
    python infra/access.py redis-acl     # the ACL rules, placeholder passwords
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from contracts.topology import SERVICES, UI_CONSUMES, UI_NAME, Kind, ServiceInfo
from contracts.topology import bus_inbox_prefix as inbox_prefix

STREAM = "EVENTS"
DEAD_LETTER_STREAM = "DEADLETTERS"
OPS_USER = "ops"  # read-only tooling identity


@dataclass(frozen=True)
class BusUser:
    name: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]

    def permissions(self) -> dict[str, dict[str, list[str]]]:
        return {
            "publish": {"allow": list(self.publish)},
            "subscribe": {"allow": list(self.subscribe)},
        }


def _api(*parts: str) -> str:
    return ".".join(("$JS.API", *parts))


def _ensure_streams() -> tuple[str, ...]:
    """Every service's connection makes sure the two streams exist (first start)."""
    return tuple(
        _api("STREAM", verb, stream)
        for stream in (STREAM, DEAD_LETTER_STREAM)
        for verb in ("INFO", "CREATE", "UPDATE")
    )


def _durable_consumer(name: str) -> tuple[str, ...]:
    """Create, bind to, fetch from and acknowledge on its own durable consumer only."""
    return (
        _api("CONSUMER", "DURABLE", "CREATE", STREAM, name),
        _api("CONSUMER", "CREATE", STREAM, name),
        _api("CONSUMER", "CREATE", STREAM, name, ">"),
        _api("CONSUMER", "INFO", STREAM, name),
        _api("CONSUMER", "MSG", "NEXT", STREAM, name),
        f"$JS.ACK.{STREAM}.{name}.>",
    )


def service_user(service: ServiceInfo) -> BusUser:
    publish = [*(s.value for s in service.publishes), *_ensure_streams()]
    if service.consumes:
        publish += [*_durable_consumer(service.name), f"deadletter.{service.name}"]
    return BusUser(
        name=service.name,
        publish=tuple(publish),
        subscribe=(f"{inbox_prefix(service.name)}.>", *(s.value for s in service.consumes)),
    )


def ui_user() -> BusUser:
    """Subscribes only: an ordered (ephemeral, flow-controlled) consumer on EVENTS."""
    return BusUser(
        name=UI_NAME,
        publish=(
            _api("STREAM", "INFO", STREAM),
            _api("CONSUMER", "CREATE", STREAM),  # ephemeral: no name in the subject
            f"$JS.FC.{STREAM}.>",  # flow-control replies of its ordered consumer
        ),
        subscribe=(f"{inbox_prefix(UI_NAME)}.>", *(s.value for s in UI_CONSUMES)),
    )


def ops_user() -> BusUser:
    """Reads streams, messages and consumer states (bench, chaos, an operator); forges nothing."""
    return BusUser(
        name=OPS_USER,
        publish=(
            _api("INFO"),
            _api("STREAM", "NAMES"),
            _api("STREAM", "LIST"),
            _api("STREAM", "INFO", "*"),
            _api("STREAM", "MSG", "GET", "*"),
            _api("CONSUMER", "NAMES", "*"),
            _api("CONSUMER", "LIST", "*"),
            _api("CONSUMER", "INFO", "*", "*"),
        ),
        subscribe=("_INBOX.>", "ticket.>", "order.>", "expiration.>", "payment.>", "deadletter.>"),
    )


def on_bus(service: ServiceInfo) -> bool:
    """A service without subjects (auth) never connects to the bus: it gets no user."""
    return bool(service.publishes or service.consumes)


def bus_users() -> tuple[BusUser, ...]:
    """Every identity of the product's bus, in a stable order."""
    return (*(service_user(s) for s in SERVICES if on_bus(s)), ui_user(), ops_user())


def render_nats_authorization(
    passwords: Mapping[str, str], extra: Iterable[tuple[str, str]] = ()
) -> str:
    """The `authorization {}` block. `extra`: (user, password) with every permission
    (only the test harness adds one, for its own tooling)."""
    users = [
        {"user": u.name, "password": passwords[u.name], "permissions": u.permissions()}
        for u in bus_users()
    ]
    users += [{"user": name, "password": password} for name, password in extra]
    # JSON is valid nats-server config, and quoting keeps `$JS...` from being read
    # as a variable reference.
    return "authorization " + json.dumps({"users": users}, indent=2) + "\n"


def render_nats_config(
    port: int,
    store_dir: Path,
    passwords: Mapping[str, str],
    monitor_port: int | None = None,
    host: str = "127.0.0.1",
    extra: Iterable[tuple[str, str]] = (),
) -> str:
    lines = [
        f"listen: {json.dumps(f'{host}:{port}')}",
        f"jetstream {{ store_dir: {json.dumps(str(store_dir))} }}",
    ]
    if monitor_port is not None:  # read-only monitoring, loopback only
        lines.append(f"http: {json.dumps(f'{host}:{monitor_port}')}")
    return "\n".join(lines) + "\n" + render_nats_authorization(passwords, extra)


# --------------------------------------------------------------------------- Redis


# Key patterns per Redis user. Reflex keys its UI state by the tab's token (a UUID:
# 8 hex digits then '-') and its socket records by a fixed prefix; neither can match
# `arq:`, `auth:` or `session:` (their fourth character is not a hex digit).
_HEX = "[0-9a-f]"
# The session deny-list (backend_services/common/revocation.py): auth writes it on
# sign-out, every other API only reads it.
SESSION_KEYS = "session:*"
REDIS_KEYS: dict[str, tuple[str, ...]] = {
    "auth": ("auth:*", SESSION_KEYS),  # its attempt limits, and sign-outs
    "expiration": ("arq:*",),
    UI_NAME: (_HEX * 8 + "-*", "token_manager_*", "reflex*"),
}
REDIS_READ_KEYS: dict[str, tuple[str, ...]] = {
    s.name: (SESSION_KEYS,) for s in SERVICES if s.kind is Kind.API and s.name != "auth"
}
# Pub/sub: Reflex waits for its state locks and socket records through keyspace
# notifications (pattern subscriptions, which Redis checks literally: hence `*`).
REDIS_CHANNELS: dict[str, tuple[str, ...]] = {UI_NAME: ("*",)}
# Everything but administration, server-wide and key-enumerating commands.
REDIS_COMMANDS = "+@all -@admin -@dangerous"
# Reflex enables these itself (CONFIG SET) when allowed; its user is not, so the
# server starts with them (and the UI runs with REFLEX_IGNORE_REDIS_CONFIG_ERROR).
REDIS_NOTIFY_KEYSPACE_EVENTS = "K$sgxe"


def redis_users() -> tuple[str, ...]:
    return (*(s.name for s in SERVICES if s.redis), UI_NAME)


def redis_acl_rules(
    passwords: Mapping[str, str], extra: Iterable[tuple[str, str]] = ()
) -> list[str]:
    """`user ...` lines; passwords only as SHA-256 (`#<hex>`), never in clear text."""
    # `default` stays "on" with no password at all: nobody can authenticate as it, and a
    # new connection is anonymous (NOAUTH) because it lacks `nopass`. Not "off": Redis
    # 7.0 replays MULTI/EXEC from the AOF as `default` and re-checks its ACL, so an
    # `off` default silently drops every transaction on restart (arq's jobs!):
    # redis/redis#14541.
    rules = ["user default on resetpass ~* &* +@all"]
    for name in redis_users():
        keys = " ".join(
            [
                *(f"~{k}" for k in REDIS_KEYS.get(name, ())),
                *(f"%R~{k}" for k in REDIS_READ_KEYS.get(name, ())),
            ]
        )
        channels = " ".join(f"&{c}" for c in REDIS_CHANNELS.get(name, ()))
        password = _sha256(passwords[name])
        rule = f"user {name} reset on #{password} {keys} {channels} {REDIS_COMMANDS}"
        rules.append(rule.replace("  ", " "))
    rules += [f"user {name} reset on #{_sha256(pw)} ~* &* +@all" for name, pw in extra]
    return rules


def render_redis_config(
    port: int,
    data_dir: Path,
    passwords: Mapping[str, str],
    host: str = "127.0.0.1",
    extra: Iterable[tuple[str, str]] = (),
) -> str:
    lines = [
        f"port {port}",
        f"bind {host}",
        f'dir "{data_dir}"',
        "appendonly yes",
        'save ""',
        "daemonize no",
        f'notify-keyspace-events "{REDIS_NOTIFY_KEYSPACE_EVENTS}"',
        *redis_acl_rules(passwords, extra),
    ]
    return "\n".join(lines) + "\n"


def _sha256(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(32)


def main(argv: list[str]) -> int:
    placeholder = {u.name: f"<{u.name}-password>" for u in bus_users()}
    if argv[:1] == ["nats-auth"]:
        sys.stdout.write(render_nats_authorization(placeholder))
        return 0
    if argv[:1] == ["redis-acl"]:
        sys.stdout.write("\n".join(redis_acl_rules(placeholder)) + "\n")
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
