"""Metrics are scraped inside the cluster and never published through the ingress."""

from __future__ import annotations

import re
import sys

import pytest

from backend_services.common.metrics import METRICS_PATH
from tests.infra import support

sys.path.insert(0, str(support.INFRA))
import routes


def test_no_ingress_route_reaches_a_services_metrics() -> None:
    """Only the UI's catch-all takes /metrics (the UI serves none): the services'
    endpoint at the root is unreachable through nginx and the Ingress."""
    for path in (METRICS_PATH, f"{METRICS_PATH}/", "/METRICS"):
        first = next(r for r in routes.ordered() if re.match(r.path, path, re.IGNORECASE))
        assert first.service == routes.UI_NAME, path
    for route in routes.ROUTES:
        assert route.path.startswith("/api/") or route.service == routes.UI_NAME, route


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
