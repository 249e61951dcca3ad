"""Kubernetes side of infra/access.py: NetworkPolicies from the topology, and the Secrets.

    make generate          writes infra/k8s/base/network-policies.yaml (committed)
    python infra/k8s_access.py secrets | kubectl apply -n ticketing -f -          (never committed)

Policies: everything in the namespace is denied in and out, then exactly these
flows are allowed (the architecture diagram):

* the ingress controller (namespace `ingress-nginx`) -> each API and the UI;
* each service -> its own database; each bus user (services, UI) -> NATS;
  each Redis user (auth, expiration, UI) -> Redis;
* the UI -> the ingress controller (it calls the APIs through it);
* payments -> HTTPS anywhere (Stripe); every pod -> cluster DNS;
* the `monitoring` namespace (Prometheus) -> each service's `/metrics` port, and
  each service -> the OpenTelemetry Collector there (OTLP/HTTP, 4318).

Secrets (fresh random passwords each run, so apply once and keep them):
`nats-auth` (`auth.conf`: the nats-server users and permissions), `redis-acl`
(`users.acl`), and one `<name>-access` per process with the files its settings
read from SECRETS_DIR (`nats_password`, `redis_password`).
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from contracts.topology import K8S_HTTP_PORT, SERVICES, UI_NAME, UI_PORT, Kind, ServiceInfo
from infra import access

INGRESS_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"  # Prometheus and the OpenTelemetry Collector
OTLP_HTTP_PORT = 4318
NATS_PORT = 4222
NATS_ROUTE_PORT = 6222  # the prod overlay's cluster routes
REDIS_PORT = 6379
POSTGRES_PORT = 5432
Doc = dict[str, Any]


def _pods(name: str) -> Doc:
    return {"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}}


def _ingress_controller() -> Doc:
    return {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": INGRESS_NAMESPACE}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}},
    }


def _monitoring() -> Doc:
    return {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}}
    }


def _tcp(*ports: int) -> list[Doc]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def _policy(name: str, selector: Doc, ingress: list[Doc] | None, egress: list[Doc] | None) -> Doc:
    types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
    spec: Doc = {**selector, "policyTypes": types}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    }


def _apps(services: Sequence[ServiceInfo]) -> list[tuple[str, int | None, bool, bool, bool]]:
    """(name, port the ingress reaches or None, database, redis, bus) per process."""
    rows: list[tuple[str, int | None, bool, bool, bool]] = [
        (
            s.name,
            K8S_HTTP_PORT if s.kind is Kind.API else None,
            s.database,
            s.redis,
            access.on_bus(s),
        )
        for s in services
    ]
    rows.append((UI_NAME, UI_PORT, False, True, True))
    return rows


def policies(services: Sequence[ServiceInfo] = SERVICES) -> list[Doc]:
    """Each database's own policy (only its service may connect) is in its file
    (infra/manifests.py); under the default deny it has no egress either."""
    docs = [
        _policy("default-deny", {"podSelector": {}}, [], []),
        _policy(
            "dns",
            {"podSelector": {}},
            None,
            [
                {
                    "to": [{"namespaceSelector": {}, **_pods_k8s_dns()}],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        ),
    ]
    bus_clients, redis_clients = [], []
    stripe = {s.name for s in services if s.stripe}
    for name, public_port, database, redis, bus in _apps(services):
        ingress = (
            [{"from": [_ingress_controller()], "ports": _tcp(public_port)}] if public_port else []
        )
        egress: list[Doc] = []
        if database:
            egress.append({"to": [_pods(f"{name}-db")], "ports": _tcp(POSTGRES_PORT)})
        if bus:
            egress.append({"to": [_pods("nats")], "ports": _tcp(NATS_PORT)})
            bus_clients.append(_pods(name))
        if redis:
            egress.append({"to": [_pods("redis")], "ports": _tcp(REDIS_PORT)})
            redis_clients.append(_pods(name))
        if name == UI_NAME:  # server-side calls to the APIs go through the ingress
            egress.append({"to": [_ingress_controller()], "ports": _tcp(80, 443)})
        if name in stripe:
            egress.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": _tcp(443)})
        if name != UI_NAME:  # scraped (/metrics) and traced (OTLP) from `monitoring`
            ingress.append({"from": [_monitoring()], "ports": _tcp(K8S_HTTP_PORT)})
            egress.append({"to": [_monitoring()], "ports": _tcp(OTLP_HTTP_PORT)})
        docs.append(_policy(name, _pods(name), ingress, egress))
    # NATS: its clients, and (the prod cluster) its peers on the route port.
    peers = {"from": [_pods("nats")], "ports": _tcp(NATS_ROUTE_PORT)}
    docs.append(
        _policy(
            "nats",
            _pods("nats"),
            [{"from": bus_clients, "ports": _tcp(NATS_PORT)}, peers],
            [{"to": [_pods("nats")], "ports": _tcp(NATS_ROUTE_PORT)}],
        )
    )
    docs.append(
        _policy("redis", _pods("redis"), [{"from": redis_clients, "ports": _tcp(REDIS_PORT)}], [])
    )
    return docs


def _pods_k8s_dns() -> Doc:
    return {"podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}


def render_policies(services: Sequence[ServiceInfo] = SERVICES) -> str:
    import yaml

    header = (
        "# Generated by `make generate` (infra/render.py, infra/k8s_access.py) from"
        " contracts/topology.py; do not edit.\n"
        "# Default deny in and out, then exactly the flows of the architecture.\n"
    )
    return header + yaml.safe_dump_all(policies(services), sort_keys=False, width=100)


def _secret(name: str, files: dict[str, str]) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in files.items()},
    }


def secrets() -> list[Doc]:
    nats = {u.name: access.new_password() for u in access.bus_users()}
    redis = {name: access.new_password() for name in access.redis_users()}
    docs = [
        _secret("nats-auth", {"auth.conf": access.render_nats_authorization(nats)}),
        _secret("redis-acl", {"users.acl": "\n".join(access.redis_acl_rules(redis)) + "\n"}),
    ]
    for user in dict.fromkeys([*nats, *redis]):
        files = {"nats_password": nats[user]} if user in nats else {}
        if user in redis:
            files["redis_password"] = redis[user]
        docs.append(_secret(f"{user}-access", files))
    return docs


def main(argv: list[str]) -> int:
    import yaml

    if argv[:1] == ["secrets"]:
        sys.stdout.write(yaml.safe_dump_all(secrets(), sort_keys=False))
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
