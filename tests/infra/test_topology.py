"""One topology table: every place that names a service agrees with contracts/topology.py.

Each test reads the list of services from one place as that place states it
(the Procfile `make run` writes, the route table, the rendered Kubernetes
objects, skaffold, the Dockerfile, the harness, the docs) and compares it with
the table. Generated files must equal a fresh render (`make generate`).
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import kubernetes_validate
import yaml

from contracts import topology
from contracts.topology import Kind, ServiceInfo
from harness import chaos
from harness import stack as harness_stack
from infra.route_table import ROUTES
from tests.infra import support

sys.path.insert(0, str(support.INFRA))
import render

NAMES = {s.name for s in topology.SERVICES}
API_PREFIXES = {s.name: s.prefix for s in topology.apis()}


# ----------------------------------------------------------------- generated files


def test_committed_generated_files_equal_a_fresh_render() -> None:
    assert render.stale() == [], "run `make generate` and commit the result"


def test_render_check_exits_non_zero_when_a_file_drifts(tmp_path: Path) -> None:
    shutil.copytree(support.INFRA, tmp_path / "infra")
    assert render.stale(tmp_path) == []
    victim = tmp_path / render.BASE / "tickets.yaml"
    victim.write_text(victim.read_text().replace("replicas: 1", "replicas: 3"))
    orphan = tmp_path / render.BASE / "gone.yaml"
    orphan.write_text(render.HEADER + "{}\n")
    assert render.stale(tmp_path) == sorted(
        [render.BASE / "gone.yaml", render.BASE / "tickets.yaml"]
    )


# ------------------------------------------------------- every place that names one


def test_make_run_procfile_runs_each_service_on_its_port(tmp_path: Path) -> None:
    env = {**os.environ, "VAR_DIR": str(tmp_path), "JWT_KEY": "k" * 48}
    for name in topology.local_ports():
        env.pop(f"{name.upper()}_PORT", None)
    subprocess.run(
        [sys.executable, str(support.REPO / "scripts/stack.py"), "--write-only"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    ran: dict[str, int] = {}
    for name, command in harness_stack.parse_procfile(tmp_path / "Procfile"):
        module = re.search(r"-m backend_services(?:\.| )(\w+)", command)
        if module:
            assert module[1] == name, command
            port = re.search(r"\bPORT=(\d+)", command)
            assert port, command
            ran[name] = int(port[1])
    assert ran == {s.name: s.port for s in topology.SERVICES}


def test_route_table_has_one_route_per_api_and_the_ui() -> None:
    prefixed = [r for r in ROUTES if r.service != "ui" and r.rate_per_minute is None]
    api_routes = {(r.service, r.path.split("(")[0]) for r in prefixed}
    assert api_routes == {(s.name, p) for s in topology.apis() for p in s.prefixes}
    assert set(API_PREFIXES.items()) <= api_routes
    assert {r.port for r in ROUTES if r.service == topology.UI_NAME} == {topology.UI_PORT}
    assert {r.port for r in ROUTES if r.service != topology.UI_NAME} == {topology.K8S_HTTP_PORT}


def test_rendered_kubernetes_runs_exactly_the_table() -> None:
    for overlay in support.OVERLAYS:
        docs = support.render(overlay)
        deployments = support.of_kind(docs, "Deployment")
        ours = {
            n: d
            for n, d in deployments.items()
            if d["metadata"]["labels"]["app.kubernetes.io/component"] in {k.value for k in Kind}
        }
        assert set(ours) == NAMES, overlay
        assert set(deployments) == NAMES | {topology.UI_NAME}, overlay
        for name, d in ours.items():
            s = topology.by_name(name)
            c = support.main_container(d)
            env = support.effective_env(docs, c)
            assert env["SERVICE"] == name
            assert d["metadata"]["labels"]["app.kubernetes.io/component"] == s.kind.value
            assert ("DATABASE_URL" in env) is s.database, name
            assert ("REDIS_URL" in env) is s.redis, name
            assert ("STRIPE_SECRET_KEY" in env) is s.stripe, name
            assert c["ports"] == [{"name": "http", "containerPort": topology.K8S_HTTP_PORT}]
        services = support.of_kind(docs, "Service")
        assert {n for n in services if n in NAMES} == set(API_PREFIXES), overlay
        databases = {s.name for s in topology.SERVICES if s.database}
        sets = support.of_kind(docs, "StatefulSet")
        assert {n.removesuffix("-db") for n in sets if n.endswith("-db")} == databases
        # Each database's own policy, and the per-process ones (infra/k8s_access.py).
        assert {f"{n}-db" for n in databases} <= set(support.of_kind(docs, "NetworkPolicy"))
        assert {*NAMES, topology.UI_NAME} <= set(support.of_kind(docs, "NetworkPolicy"))
        ingress_backends = {
            p["backend"]["service"]["name"]
            for ing in support.of_kind(docs, "Ingress").values()
            for p in ing["spec"]["rules"][0]["http"]["paths"]
        }
        assert ingress_backends == set(API_PREFIXES) | {topology.UI_NAME}
    prod = support.render("prod")
    assert set(support.of_kind(prod, "PodDisruptionBudget")) == NAMES | {topology.UI_NAME}
    assert set(support.of_kind(prod, "HorizontalPodAutoscaler")) == set(API_PREFIXES)


def test_skaffold_builds_one_image_for_every_service_and_names_none() -> None:
    artifacts = {a["image"]: a for a in support.skaffold()["build"]["artifacts"]}
    assert set(artifacts) == {support.SERVICES_IMAGE, f"ticketing/{topology.UI_NAME}"}
    text = (support.REPO / "skaffold.yaml").read_text()
    code = "\n".join(line.split("#")[0] for line in text.splitlines())
    assert not [n for n in NAMES if re.search(rf"\b{n}\b", code)]
    for name, d in support.of_kind(support.render("dev"), "Deployment").items():
        if name in NAMES:
            assert support.main_container(d)["image"] == support.SERVICES_IMAGE


def test_the_dockerfile_names_no_service_and_runs_each_one() -> None:
    stages = support.dockerfile(support.INFRA / "docker/services.Dockerfile")
    assert set(stages) == {"deps", "runtime"}  # no per-service targets to keep in step
    runtime = stages["runtime"]
    instructions = " ".join(
        [*(runtime.cmd or []), *(runtime.healthcheck or []), *runtime.env.values()]
    )
    assert not [n for n in NAMES if re.search(rf"\b{n}\b", instructions)]
    assert runtime.cmd == ["python", "-m", "backend_services"]
    for s in topology.SERVICES:  # what `serve(SERVICE)` imports for each row
        main = importlib.import_module(f"{s.module}.main")
        assert callable(getattr(main, "create", None)), s.name


def test_the_harness_starts_and_waits_for_every_service(tmp_path: Path) -> None:
    assert harness_stack.PREFIXES == API_PREFIXES
    cfg = harness_stack.StackConfig.allocate(tmp_path / "var", defaults=True)
    assert {n: cfg.ports[n] for n in NAMES} == {s.name: s.port for s in topology.SERVICES}
    waited = cfg.api_readiness()
    assert len(waited) == len(topology.SERVICES)
    for s in topology.SERVICES:
        assert any(u.endswith(f"{s.health_prefix}/readyz") for u in waited), s.name


def test_the_layering_contracts_cover_every_service() -> None:
    """import-linter needs the services listed (pyproject.toml): the list is checked here."""
    config = tomllib.loads((support.REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    by_name = {c["name"]: c for c in config["contracts"]}
    modules = {f"backend_services.{n}" for n in NAMES}
    assert set(by_name["Services are independent of each other"]["modules"]) == modules
    assert set(by_name["common imports no service"]["forbidden_modules"]) == modules


def test_chaos_targets_every_service(tmp_path: Path) -> None:
    class Stack:
        procs = {n: None for n in [*NAMES, "nats", "redis", "ui"]}

    targets = chaos.default_targets(Stack())  # type: ignore[arg-type]
    assert set(targets) == NAMES | {"nats", "redis"}


def test_the_docs_tables_list_every_service() -> None:
    arch = (support.REPO / "docs/architecture.md").read_text()
    table = arch.split("## Services", 1)[1].split("\n## ", 1)[0]
    rows = {
        m[1]: (m[2], int(m[3]), m[4].strip("`"))
        for m in re.finditer(r"^\| (\w+) \| (\w+) \| (\d+) \| ([^|]+?) \|", table, re.MULTILINE)
    }
    assert rows == {s.name: (s.kind.value, s.port, s.prefix or "—") for s in topology.SERVICES}
    readme = (support.REPO / "README.md").read_text()
    block = readme.split("## What runs where", 1)[1].split("```", 2)[1]
    for s in topology.SERVICES:
        line = next((ln for ln in block.splitlines() if re.search(rf"\b{s.name}\b", ln)), "")
        assert f"127.0.0.1:{s.port}" in line, s.name
        assert s.prefix is None or line.lstrip().startswith(s.prefix), s.name
    deploy = (support.REPO / "docs/deploy.md").read_text()
    for s in topology.SERVICES:
        if s.database:
            assert f"kubectl create secret generic {s.name}-db-secret" in deploy, s.name


# ------------------------------------------------------------------ a new service


def test_a_new_row_is_all_it_takes(tmp_path: Path) -> None:
    """One more row in the table renders to valid, complete manifests."""
    extra = ServiceInfo(
        name="reviews",
        kind=Kind.API,
        port=4099,
        prefix="/api/reviews",
        summary="seller reviews",
        database=True,
        redis=True,  # every API: the session deny-list
    )
    shutil.copytree(support.INFRA / "k8s", tmp_path / "infra/k8s")
    for path, text in render.render_all((*topology.SERVICES, extra)).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    out = subprocess.run(
        ["kubectl", "kustomize", str(tmp_path / "infra/k8s/overlays/prod")],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    docs = tuple(d for d in yaml.safe_load_all(out) if d)
    for doc in docs:
        kubernetes_validate.validate(doc, "1.32.0", strict=True)
    assert "reviews" in support.of_kind(docs, "Deployment")
    assert "reviews-db" in support.of_kind(docs, "StatefulSet")
    assert "reviews-db" in support.of_kind(docs, "NetworkPolicy")
    assert "reviews" in support.of_kind(docs, "HorizontalPodAutoscaler")
    paths = [
        p["path"]
        for ing in support.of_kind(docs, "Ingress").values()
        for p in ing["spec"]["rules"][0]["http"]["paths"]
    ]
    assert "/api/reviews(/|$)(.*)" in paths
