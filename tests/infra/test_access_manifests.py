"""Kubernetes access rules: generated from the topology, committed, and exactly the flows."""

from __future__ import annotations

import yaml

from contracts.topology import SERVICES, UI_NAME
from infra import access, k8s_access
from tests.infra import support


def policies() -> dict[str, dict]:
    text = (support.INFRA / "k8s/base/network-policies.yaml").read_text()
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(text)}


def test_committed_policies_are_the_rendered_ones() -> None:
    committed = (support.INFRA / "k8s/base/network-policies.yaml").read_text()
    assert committed == k8s_access.render_policies(), "regenerate: make generate"


def test_everything_is_denied_unless_allowed() -> None:
    deny = policies()["default-deny"]["spec"]
    assert deny["podSelector"] == {} and deny["ingress"] == [] and deny["egress"] == []
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}


def _peers(rules: list[dict]) -> set[str]:
    return {_peer(peer) for rule in rules for peer in rule.get("to", rule.get("from", []))}


def _peer(peer: dict) -> str:
    """The pods' name; `ns:<name>` for a whole namespace; `?` for an address block."""
    pods = peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
    namespace = peer.get("namespaceSelector", {}).get("matchLabels", {})
    if pods is None and "kubernetes.io/metadata.name" in namespace:
        return f"ns:{namespace['kubernetes.io/metadata.name']}"
    return pods or "?"


def test_each_process_reaches_exactly_its_parts() -> None:
    docs = policies()
    for service in SERVICES:
        spec = docs[service.name]["spec"]
        wanted = {"nats"} if access.on_bus(service) else set()
        wanted |= {f"{service.name}-db"} if service.database else set()
        wanted |= {"redis"} if service.redis else set()
        wanted |= {"?"} if service.stripe else set()  # HTTPS to Stripe (an ipBlock)
        wanted |= {"ns:monitoring"}  # the OpenTelemetry Collector
        assert _peers(spec["egress"]) == wanted, service.name
        callers = {"ingress-nginx"} if service.prefix is not None else set()
        assert _peers(spec["ingress"]) == {*callers, "ns:monitoring"}, service.name  # Prometheus
    ui = docs[UI_NAME]["spec"]
    assert _peers(ui["egress"]) == {"nats", "redis", "ingress-nginx"}
    on_bus = {s.name for s in SERVICES if access.on_bus(s)}
    assert _peers(docs["nats"]["spec"]["ingress"]) == {*on_bus, UI_NAME, "nats"}  # + peers
    assert _peers(docs["redis"]["spec"]["ingress"]) == set(access.redis_users())
    assert _peers(docs["nats"]["spec"]["egress"]) == {"nats"}  # cluster routes only


def test_generated_secrets_match_the_server_configs() -> None:
    docs = {d["metadata"]["name"]: d for d in k8s_access.secrets()}
    assert {"nats-auth", "redis-acl"} <= set(docs)
    for user in access.bus_users():
        assert "nats_password" in docs[f"{user.name}-access"]["data"]
    for name in access.redis_users():
        assert "redis_password" in docs[f"{name}-access"]["data"]
