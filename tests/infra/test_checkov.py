"""make lint's checkov gate: which findings count as explained (scripts/checkov_k8s.py)."""

from __future__ import annotations

import sys

from tests.infra import support

sys.path.insert(0, str(support.REPO / "scripts"))
import checkov_k8s

EVERY_ENTRY = [
    ("CKV_K8S_43", "prod:Deployment.ticketing.orders"),
    ("CKV_K8S_15", "monitoring:Deployment.monitoring.otel-collector"),
    ("CKV_K8S_14", "prod:Deployment.ticketing.ui"),
    ("CKV_K8S_35", "prod:Deployment.ticketing.orders"),
    ("CKV_K8S_35", "prod:StatefulSet.ticketing.orders-db"),
    ("CKV_K8S_40", "prod:StatefulSet.ticketing.nats"),
    ("CKV_K8S_22", "dev:Deployment.ticketing.orders"),
]


def test_every_explanation_covers_what_it_names() -> None:
    assert checkov_k8s.unexplained(EVERY_ENTRY) == ([], [])


def test_a_writable_root_filesystem_in_prod_is_not_explained() -> None:
    for app in ("orders", "ui"):
        found = [*EVERY_ENTRY, ("CKV_K8S_22", f"prod:Deployment.ticketing.{app}")]
        assert checkov_k8s.unexplained(found)[0] == [f"CKV_K8S_22 prod:Deployment.ticketing.{app}"]


def test_a_new_kind_of_finding_is_not_explained() -> None:
    found = [*EVERY_ENTRY, ("CKV_K8S_16", "prod:Deployment.ticketing.orders")]
    assert checkov_k8s.unexplained(found)[0] == ["CKV_K8S_16 prod:Deployment.ticketing.orders"]


def test_an_explanation_nothing_needs_any_more_is_stale() -> None:
    found = [f for f in EVERY_ENTRY if f[0] != "CKV_K8S_40"]
    stale = checkov_k8s.unexplained(found)[1]
    assert [(e.check, e.where) for e in stale] == [("CKV_K8S_40", "*:StatefulSet.ticketing.*")]
