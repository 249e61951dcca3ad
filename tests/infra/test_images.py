"""Dockerfiles, skaffold and .dockerignore agree with each other and with the manifests."""

from __future__ import annotations

import re
import subprocess

import pytest

from contracts import topology
from tests.infra import support

ARTIFACTS = {a["image"]: a for a in support.skaffold()["build"]["artifacts"]}
PYTHON_BASE = re.compile(r"python:3\.11-slim@sha256:[0-9a-f]{64}")  # a tag, pinned by digest


def test_skaffold_builds_exactly_the_images_the_manifests_run() -> None:
    for image, artifact in ARTIFACTS.items():
        path = support.REPO / artifact.get("context", ".") / artifact["docker"]["dockerfile"]
        assert path.exists(), image
        target = artifact["docker"].get("target")
        assert target is None or target in support.dockerfile(path), (image, target)
    for overlay in support.OVERLAYS:
        docs = support.render(overlay)
        ours = {
            c["image"]
            for w in support.of_kind(docs, "Deployment").values()
            for c in support.pod_spec(w)["containers"]
        }
        assert ours == set(ARTIFACTS), overlay
    paths = support.skaffold()["manifests"]["kustomize"]["paths"]
    assert paths == ["infra/k8s/overlays/dev"]


def test_both_images_build_on_the_same_pinned_base() -> None:
    bases = {
        s.base
        for a in ARTIFACTS.values()
        for s in support.dockerfile(support.REPO / a["docker"]["dockerfile"]).values()
        if not s.parent
    }
    assert len(bases) == 1 and PYTHON_BASE.fullmatch(bases.pop())


@pytest.mark.parametrize("image", sorted(ARTIFACTS))
def test_every_download_is_checked_against_a_sha256(image: str) -> None:
    text = (support.REPO / ARTIFACTS[image]["docker"]["dockerfile"]).read_text()
    adds = re.findall(r"^ADD (.*?)(?<!\\)$", text, re.MULTILINE | re.DOTALL)
    for add in adds:
        assert re.match(r"--checksum=sha256:[0-9a-f]{64} ", add), add
    assert "curl" not in text and "wget" not in text


def test_third_party_images_are_pinned() -> None:
    for name, workload in support.of_kind(support.render("prod"), "StatefulSet").items():
        for c in support.pod_spec(workload)["containers"]:
            assert re.fullmatch(r"[\w./-]+:\d[\w.-]*", c["image"]), (name, c["image"])


@pytest.mark.parametrize("image", sorted(ARTIFACTS))
def test_image_is_slim_non_root_with_a_healthcheck(image: str) -> None:
    stage = support.image_stage(image)
    assert stage.user is not None and re.fullmatch(r"[1-9]\d*(:\d+)?", stage.user), stage.user
    assert stage.healthcheck and stage.cmd
    path = support.REPO / ARTIFACTS[image]["docker"]["dockerfile"]
    stages = support.dockerfile(path)
    for s in stages.values():
        if s.base in stages:
            continue
        assert PYTHON_BASE.fullmatch(s.base), (s.name, s.base)
    # Only a runtime lock, hashes required: no dev/test tools, no editable install.
    for s in stages.values():
        for run in s.runs:
            for spec in re.findall(r"pip install ([^&;]+)", run):
                lock = r"--require-hashes --no-deps -r requirements/(services|ui)\.txt\s*"
                assert re.fullmatch(lock, spec), spec


def test_ui_image_port_and_healthcheck_match_the_deployment() -> None:
    stage = support.image_stage(f"ticketing/{topology.UI_NAME}")
    deployment = support.of_kind(support.render("prod"), "Deployment")[topology.UI_NAME]
    container = support.main_container(deployment)
    port = next(p["containerPort"] for p in container["ports"] if p["name"] == "http")
    assert stage.env["PORT"] == str(port) == str(topology.UI_PORT)
    assert str(port) in stage.expose
    liveness = container["livenessProbe"]["httpGet"]["path"]
    assert f"127.0.0.1:{port}{liveness}" in " ".join(stage.healthcheck or [])


@pytest.mark.parametrize("service", support.SERVICES)
def test_services_image_serves_each_service_on_the_deployment_port(service: str) -> None:
    """One image for all: `SERVICE` from the Deployment picks the service and its health path."""
    stage = support.image_stage(support.SERVICES_IMAGE)
    deployment = support.of_kind(support.render("prod"), "Deployment")[service]
    container = support.main_container(deployment)
    assert container["image"] == support.SERVICES_IMAGE
    assert support.effective_env(support.render("prod"), container)["SERVICE"] == service
    port = next(p["containerPort"] for p in container["ports"] if p["name"] == "http")
    assert stage.env["PORT"] == str(port) == str(topology.K8S_HTTP_PORT)
    assert str(port) in stage.expose
    # The HEALTHCHECK derives the path from the topology: the liveness probe's path.
    assert stage.healthcheck == ["python", "-m", "backend_services.healthcheck"]
    health = topology.by_name(service).health_prefix + "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == health


@pytest.mark.parametrize("image", sorted(a for a in ARTIFACTS if "sync" in ARTIFACTS[a]))
def test_synced_sources_land_where_the_image_keeps_the_code(image: str) -> None:
    stage = support.image_stage(image)
    for rule in ARTIFACTS[image]["sync"]["manual"]:
        assert rule["dest"] == stage.workdir
        top = rule["src"].split("/")[0]
        copied = [c for c in stage.all_copies() if c[-2:] == [top, f"./{top}"]]
        assert copied, f"{image}: {top} is not copied to {stage.workdir}/{top}"


def test_services_image_runs_the_service_named_by_service() -> None:
    stage = support.image_stage(support.SERVICES_IMAGE)
    assert stage.cmd == ["python", "-m", "backend_services"]
    assert stage.env["SERVICE"] == ""  # `--build-arg SERVICE=<name>` bakes one in
    for service in support.SERVICES:
        assert (support.REPO / "backend_services" / service / "main.py").exists(), service


def test_dockerignore_admits_what_the_images_copy_and_nothing_else() -> None:
    for artifact in ARTIFACTS.values():
        for stage in support.dockerfile(support.REPO / artifact["docker"]["dockerfile"]).values():
            for copy in stage.copies:
                if any(flag.startswith("--from") for flag in copy):
                    continue
                for src in (a for a in copy[:-1] if not a.startswith("--")):
                    if src != ".":
                        assert support.dockerignore_admits(src), src
    for path in ("backend_services/auth/main.py", "stubhub_ui/settings.py", "rxconfig.py"):
        assert support.dockerignore_admits(path), path
    for path in (
        ".git/HEAD",
        ".env",
        ".venv/bin/python",
        ".tools/node_modules/bun/package.json",
        "var/data/auth.db",
        "tests/conftest.py",
        "infra/routes.py",
        ".web/package.json",
        "backend_services/__pycache__/x.cpython-311.pyc",
        "backend_services/.env",
        "assets/screenshots/home-375.png",
    ):
        assert not support.dockerignore_admits(path), path


def test_copied_sources_are_in_git() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=support.REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for artifact in ARTIFACTS.values():
        for stage in support.dockerfile(support.REPO / artifact["docker"]["dockerfile"]).values():
            for copy in stage.copies:
                if any(flag.startswith("--from") for flag in copy):
                    continue
                for src in (a for a in copy[:-1] if not a.startswith("--") and a != "."):
                    assert any(t == src or t.startswith(src + "/") for t in tracked), src


def test_the_ui_image_bakes_in_the_origin_its_deployment_serves() -> None:
    """The frontend is compiled at build: its /_event origin must be the Deployment's."""
    ui = f"ticketing/{topology.UI_NAME}"
    deployment = support.of_kind(support.render("prod"), "Deployment")[topology.UI_NAME]
    env = support.effective_env(support.render("prod"), support.main_container(deployment))
    assert ARTIFACTS[ui]["docker"]["buildArgs"]["REFLEX_API_URL"] == env["REFLEX_API_URL"]
    assert (
        support.dockerfile(support.REPO / ARTIFACTS[ui]["docker"]["dockerfile"])["build"].env[
            "REFLEX_API_URL"
        ]
        == env["REFLEX_API_URL"]
    )
