"""Metrics are scraped in the cluster, never routed by the ingress; traces reach the Collector."""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from backend_services.common.metrics import METRICS_PATH
from contracts.topology import UI_NAME
from infra.k8s_access import OTLP_HTTP_PORT
from infra.route_table import ROUTES, ordered
from tests.infra import support
from tests.infra.support import Doc


def test_no_ingress_route_reaches_a_services_metrics() -> None:
    """Only the UI's catch-all takes /metrics (the UI serves none): the services'
    endpoint at the root is unreachable through nginx and the Ingress."""
    for path in (METRICS_PATH, f"{METRICS_PATH}/", "/METRICS"):
        first = next(r for r in ordered() if re.match(r.path, path, re.IGNORECASE))
        assert first.service == UI_NAME, path
    for route in ROUTES:
        assert route.path.startswith("/api/") or route.service == UI_NAME, route


@pytest.mark.parametrize("overlay", support.OVERLAYS)
def test_every_service_pod_is_scraped_on_its_pod_port(overlay: str) -> None:
    deployments = support.of_kind(support.render(overlay), "Deployment")
    for name in support.SERVICES:
        template = deployments[name]["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        port = support.pod_spec(deployments[name])["containers"][0]["ports"][0]["containerPort"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/path"] == METRICS_PATH, name
        assert annotations["prometheus.io/port"] == str(port), name


def test_only_the_monitoring_namespace_may_scrape_and_receive_traces() -> None:
    policies = support.of_kind(support.render("prod"), "NetworkPolicy")
    monitoring = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    }
    for name in support.SERVICES:
        spec = policies[name]["spec"]
        scrapers = [rule for rule in spec["ingress"] if monitoring in rule["from"]]
        assert [r["ports"] for r in scrapers] == [[{"protocol": "TCP", "port": 8000}]], name
        collectors = [rule for rule in spec["egress"] if monitoring in rule["to"]]
        assert [r["ports"] for r in collectors] == [[{"protocol": "TCP", "port": 4318}]], name
    assert not [r for r in policies["ui"]["spec"]["ingress"] if monitoring in r["from"]]


MONITORING = support.INFRA / "k8s" / "monitoring"


def collector_config() -> Doc:
    maps = support.of_kind(support.render_path(MONITORING), "ConfigMap")
    (config_map,) = maps.values()
    return yaml.safe_load(config_map["data"]["collector.yaml"])


def test_the_collector_manifests_validate_strictly() -> None:
    docs = support.render_path(MONITORING)
    assert {d["kind"] for d in docs} == {"Namespace", "ConfigMap", "Deployment", "Service"}
    for doc, version in itertools.product(docs, support.K8S_VERSIONS):
        kubernetes_validate.validate(doc, version, strict=True)
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == "monitoring"


def test_prod_sends_traces_to_the_collector_on_the_port_the_policies_open() -> None:
    env = support.of_kind(support.render("prod"), "ConfigMap")
    (config,) = [c for name, c in env.items() if name.startswith("ticketing-config")]
    url = urlsplit(config["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"])
    service = support.of_kind(support.render_path(MONITORING), "Service")["otel-collector"]
    assert url.hostname == f"{service['metadata']['name']}.{service['metadata']['namespace']}"
    assert url.port == OTLP_HTTP_PORT == service["spec"]["ports"][0]["port"]
    receiver = collector_config()["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    assert receiver == f"0.0.0.0:{OTLP_HTTP_PORT}"


def test_the_collector_pipes_received_traces_through_a_memory_limit() -> None:
    pipeline = collector_config()["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"]
    assert pipeline["processors"][0] == "memory_limiter"  # first, as the Collector docs ask
    assert pipeline["exporters"]
