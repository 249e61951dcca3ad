"""infra/k8s: schema-valid, hardened, and consistent with the code it deploys."""

from __future__ import annotations

import copy
import importlib
import re
import sys

import kubernetes_validate
import pytest
from pydantic_settings import BaseSettings

from contracts import topology
from tests.infra import support
from tests.infra.support import Doc

sys.path.insert(0, str(support.INFRA))
from manifests import has_access_secret

K8S_VERSION = support.K8S_VERSION


def required_env(app: str) -> set[str]:
    """What the contract and the topology table say each process must be given."""
    if app == topology.UI_NAME:
        return {
            "UI_API_BASE_URL",
            "UI_API_HOST_HEADER",
            "NATS_URL",
            "REFLEX_API_URL",
            "SECRETS_DIR",
        }
    s = topology.by_name(app)
    env = {"SERVICE", "NATS_URL", "ENVIRONMENT", "COOKIE_SECURE"}
    env |= {"JWT_KEY"} if s.kind is topology.Kind.API else set()  # a worker verifies no session
    env |= {"SECRETS_DIR"} if has_access_secret(app) else set()  # its NATS/Redis passwords
    env |= {"DATABASE_URL"} if s.database else set()
    env |= {"REDIS_URL"} if s.redis else set()
    env |= {"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"} if s.stripe else set()
    return env


SETTINGS_MODULES = {
    **{s: f"backend_services.{s}.settings" for s in support.SERVICES},
    "ui": "stubhub_ui.settings",
}
# Set on purpose although no settings class reads them.
# SECRETS_DIR: where pydantic-settings' secrets source reads the secret files.
EXTRA_ENV = {"DB_PASSWORD", "GRANIAN_WORKERS", "SERVICE", "SECRETS_DIR"}
LOCAL_DEFAULT = re.compile(r"127\.0\.0\.1|localhost|sqlite")


def workloads(docs: tuple[Doc, ...]) -> dict[str, Doc]:
    return {**support.of_kind(docs, "Deployment"), **support.of_kind(docs, "StatefulSet")}


# ------------------------------------------------------------------------ schemas


@pytest.mark.parametrize("version", support.K8S_VERSIONS)
@pytest.mark.parametrize("overlay", support.OVERLAYS)
def test_every_rendered_document_validates_strictly(overlay: str, version: str) -> None:
    docs = support.render(overlay)
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "StatefulSet", "Service", "Ingress", "ConfigMap"} <= kinds
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_rejects_a_broken_manifest() -> None:
    bad = copy.deepcopy(support.of_kind(support.render("dev"), "Deployment")["auth"])
    bad["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
    unknown = copy.deepcopy(support.of_kind(support.render("dev"), "Deployment")["auth"])
    unknown["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(unknown, K8S_VERSION, strict=True)


# ---------------------------------------------------------------------- hardening


@pytest.mark.parametrize("overlay", support.OVERLAYS)
def test_every_workload_has_probes_limits_and_runs_as_non_root(overlay: str) -> None:
    for name, workload in workloads(support.render(overlay)).items():
        pod = support.pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert pod["automountServiceAccountToken"] is False, name
        for c in pod["containers"]:
            assert "readinessProbe" in c and "livenessProbe" in c, name
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), (name, kind)
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name


def test_prod_root_filesystems_are_read_only() -> None:
    for name, workload in workloads(support.render("prod")).items():
        for c in support.pod_spec(workload)["containers"]:
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, name


def test_api_probes_are_the_contract_health_routes() -> None:
    deployments = support.of_kind(support.render("prod"), "Deployment")
    prefixes = {s.name: s.health_prefix for s in topology.apis()}
    workers = {s.name: "" for s in topology.SERVICES if s.kind is topology.Kind.WORKER}
    expected = {**prefixes, **workers}
    for service, prefix in expected.items():
        c = support.main_container(deployments[service])
        assert c["readinessProbe"]["httpGet"]["path"] == f"{prefix}/readyz", service
        assert c["livenessProbe"]["httpGet"]["path"] == f"{prefix}/healthz", service
    ui = support.main_container(deployments["ui"])
    assert ui["readinessProbe"]["httpGet"]["path"] == "/_health"
    assert ui["livenessProbe"]["httpGet"]["path"] == "/ping"


@pytest.mark.parametrize("service", support.DATABASES)
def test_traffic_waits_for_migrations_not_the_process(service: str) -> None:
    """The app binds its port at once and migrates when its database answers (with
    back-off, tests/common/test_startup.py); `/readyz` admits traffic only after
    that, while the startup and liveness probes only ask that the process is alive."""
    c = support.main_container(support.of_kind(support.render("prod"), "Deployment")[service])
    prefix = topology.by_name(service).health_prefix
    assert c["readinessProbe"]["httpGet"]["path"] == f"{prefix}/readyz"
    for probe in ("startupProbe", "livenessProbe"):
        assert c[probe]["httpGet"]["path"] == f"{prefix}/healthz", probe


# ------------------------------------------------------------------------ secrets


def test_no_secret_value_is_committed() -> None:
    for overlay in support.OVERLAYS:
        assert not support.of_kind(support.render(overlay), "Secret"), overlay
    for path in [*support.INFRA.rglob("*.y*ml"), support.REPO / "skaffold.yaml"]:
        text = path.read_text()
        assert not re.search(r"^kind:\s*Secret\b", text, re.MULTILINE), path
        assert "secretGenerator" not in text, path
        assert not re.search(r"sk_(test|live)_[A-Za-z0-9]", text), path


def test_every_referenced_secret_is_documented() -> None:
    docs_text = (support.REPO / "docs" / "deploy.md").read_text()
    refs = set()
    for workload in workloads(support.render("prod")).values():
        refs |= support.secret_refs(workload)
    assert refs
    for name, key in sorted(refs):
        assert re.search(
            rf"kubectl create secret generic {name}\b[^\n]*--from-literal={key}=", docs_text
        ), f"docs/deploy.md: show `kubectl create secret generic {name} --from-literal={key}=`"


# ------------------------------------------------------------ env vs. settings code


def settings_class(app: str) -> type[BaseSettings]:
    module_name = SETTINGS_MODULES[app]
    module = importlib.import_module(module_name)
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, BaseSettings) and obj.__module__ == module_name
    ]
    assert len(classes) == 1, classes
    return classes[0]


@pytest.mark.parametrize("overlay", support.OVERLAYS)
@pytest.mark.parametrize("app", support.APPS)
def test_deployment_env_satisfies_the_settings_class(
    app: str, overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = support.render(overlay)
    container = support.main_container(support.of_kind(docs, "Deployment")[app])
    env = support.effective_env(docs, container)
    missing = required_env(app) - set(env)
    assert not missing, f"{app}: {sorted(missing)} not set"

    cls = settings_class(app)
    fields = {name.upper(): info for name, info in cls.model_fields.items()}
    own = set(vars(cls).get("__annotations__", {}))
    for name, info in fields.items():
        if info.is_required() or (
            name.lower() in own and LOCAL_DEFAULT.search(str(info.default or ""))
        ):
            assert name in env, f"{app} reads {name}; its default only works on one machine"
    unknown = {e["name"] for e in container.get("env", [])} - set(fields) - EXTRA_ENV
    unknown = {n for n in unknown if not (app == "ui" and n.startswith("REFLEX_"))}
    assert not unknown, f"{app}: no settings field reads {sorted(unknown)}"

    for name in list(fields) + [n.upper() for n in env]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    cls(_env_file=None)  # raises if the pod would crash at start


def test_shared_config_keys_are_read_by_some_settings_class() -> None:
    known: set[str] = set()
    for app in support.APPS:
        known |= {n.upper() for n in settings_class(app).model_fields}
    for overlay in support.OVERLAYS:
        docs = support.render(overlay)
        as_env = {
            source["configMapRef"]["name"]
            for d in support.of_kind(docs, "Deployment").values()
            for source in support.main_container(d).get("envFrom", [])
        }
        assert as_env
        for name in as_env:
            cm = support.of_kind(docs, "ConfigMap")[name]
            assert set(cm["data"]) <= known, (name, set(cm["data"]) - known)


@pytest.mark.parametrize("overlay", support.OVERLAYS)
def test_in_cluster_urls_point_at_a_service_port(overlay: str) -> None:
    docs = support.render(overlay)
    ports = {
        (name, p["port"])
        for name, svc in support.of_kind(docs, "Service").items()
        for p in svc["spec"]["ports"]
    }
    for name, deployment in support.of_kind(docs, "Deployment").items():
        for var, value in support.effective_env(docs, support.main_container(deployment)).items():
            m = re.match(r"^\w+://(?:[^@/]*@)?([a-z0-9-]+):(\d+)", value)
            if m:
                assert (m[1], int(m[2])) in ports, f"{name} {var}={value}: no such Service port"


def test_ingress_backends_reach_a_container_port() -> None:
    docs = support.render("prod")
    services = support.of_kind(docs, "Service")
    deployments = support.of_kind(docs, "Deployment")
    for ing in support.of_kind(docs, "Ingress").values():
        for path in ing["spec"]["rules"][0]["http"]["paths"]:
            backend = path["backend"]["service"]
            svc = services[backend["name"]]
            port = next(p for p in svc["spec"]["ports"] if p["port"] == backend["port"]["number"])
            selected = [
                d
                for d in deployments.values()
                if svc["spec"]["selector"].items()
                <= d["spec"]["template"]["metadata"]["labels"].items()
            ]
            assert len(selected) == 1, backend
            names = {p["name"] for p in support.main_container(selected[0])["ports"]}
            assert port["targetPort"] in names, backend


# ----------------------------------------------------------------------- overlays


def test_prod_runs_two_replicas_of_every_stateless_process() -> None:
    docs = support.render("prod")
    deployments = support.of_kind(docs, "Deployment")
    assert set(deployments) == set(support.APPS)
    budgets = support.of_kind(docs, "PodDisruptionBudget")
    for name, d in deployments.items():
        assert d["spec"]["replicas"] == 2, name
        assert (
            budgets[name]["spec"]["selector"]["matchLabels"] == d["spec"]["selector"]["matchLabels"]
        )
        pod = support.pod_spec(d)
        spread = pod["topologySpreadConstraints"]
        assert {c["topologyKey"] for c in spread} >= {"kubernetes.io/hostname"}, name
        assert all(c["labelSelector"] == d["spec"]["selector"] for c in spread), name
        # Endpoints and the ingress stop routing a moment after SIGTERM: keep serving.
        assert support.main_container(d)["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"


def test_prod_autoscales_the_apis_on_cpu() -> None:
    docs = support.render("prod")
    hpas = support.of_kind(docs, "HorizontalPodAutoscaler")
    assert set(hpas) == set(support.APIS)
    for name, hpa in hpas.items():
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > 2
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        c = support.main_container(support.of_kind(docs, "Deployment")[name])
        assert "cpu" in c["resources"]["requests"]  # utilisation is relative to it


def test_prod_ui_keeps_state_in_redis_and_cookies_are_secure() -> None:
    docs = support.render("prod")
    ui = support.effective_env(
        docs, support.main_container(support.of_kind(docs, "Deployment")["ui"])
    )
    assert ui["UI_REDIS_URL"].startswith("redis://redis:6379/")  # password: SECRETS_DIR
    assert int(ui["GRANIAN_WORKERS"]) >= 2
    assert ui["REFLEX_API_URL"] == "https://ticketing.dev"
    auth = support.effective_env(
        docs, support.main_container(support.of_kind(docs, "Deployment")["auth"])
    )
    assert auth["COOKIE_SECURE"] == "true"
    for name, ing in support.of_kind(docs, "Ingress").items():
        assert ing["spec"]["tls"] == [
            {"hosts": ["ticketing.dev"], "secretName": "ticketing-tls"}
        ], name
    # Only the API (called in-cluster over HTTP by the UI) skips the HTTPS redirect.
    no_redirect = {
        n
        for n, i in support.of_kind(docs, "Ingress").items()
        if i["metadata"]["annotations"].get("nginx.ingress.kubernetes.io/ssl-redirect") == "false"
    }
    assert no_redirect == {"ticketing-api", "ticketing-uploads"}


def test_dev_reloads_synced_code_and_stays_on_https() -> None:
    docs = support.render("dev")
    deployments = support.of_kind(docs, "Deployment")
    ui = support.effective_env(docs, support.main_container(deployments["ui"]))
    assert ui["REFLEX_API_URL"] == "https://ticketing.dev"  # .dev is HSTS-preloaded
    for service in support.SERVICES:
        c = support.main_container(deployments[service])
        stage = support.image_stage(c["image"])
        assert stage.cmd is not None
        # watchfiles restarts exactly what the image runs
        assert c["command"][0] == "watchfiles" and " ".join(stage.cmd) in c["command"], service
        assert c["securityContext"]["readOnlyRootFilesystem"] is False  # skaffold sync writes /app
