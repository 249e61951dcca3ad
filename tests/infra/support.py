"""Reading what infra/ declares: rendered overlays, Dockerfiles, .dockerignore."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate.utils
import yaml

from contracts import topology

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
OVERLAYS = ("dev", "prod")
SERVICES = tuple(s.name for s in topology.SERVICES)  # all run by the services image
APIS = tuple(s.name for s in topology.apis())
DATABASES = tuple(s.name for s in topology.SERVICES if s.database)
APPS = (*SERVICES, topology.UI_NAME)
SERVICES_IMAGE = "ticketing/services"

Doc = dict[str, Any]


# --------------------------------------------------------------------- manifests


# The schemas every rendered document must validate against: the oldest Kubernetes we
# support and the newest kubernetes-validate knows.
K8S_VERSION = "1.32.0"
K8S_VERSIONS = (K8S_VERSION, kubernetes_validate.utils.latest_version())


@cache
def render(overlay: str) -> tuple[Doc, ...]:
    return render_path(INFRA / "k8s" / "overlays" / overlay)


@cache
def render_path(path: Path) -> tuple[Doc, ...]:
    """`kubectl kustomize` of one kustomization directory, as documents."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise RuntimeError("kubectl is needed to render infra/k8s (install it; see docs/deploy.md)")
    out = subprocess.run(
        [kubectl, "kustomize", str(path)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    return tuple(d for d in yaml.safe_load_all(out) if d)


def of_kind(docs: tuple[Doc, ...], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def nats_config(docs: tuple[Doc, ...]) -> str:
    """The nats.conf the NATS StatefulSet mounts."""
    nats = of_kind(docs, "StatefulSet")["nats"]
    volumes = {v["name"]: v for v in pod_spec(nats)["volumes"]}
    mount = next(
        m for m in pod_spec(nats)["containers"][0]["volumeMounts"] if m["mountPath"] == "/etc/nats"
    )
    volume = volumes[mount["name"]]
    sources = volume["projected"]["sources"] if "projected" in volume else [volume]
    name = next(s["configMap"]["name"] for s in sources if "configMap" in s)
    configmap = of_kind(docs, "ConfigMap")[name]
    text: str = configmap["data"]["nats.conf"]
    return text


def pod_spec(workload: Doc) -> Doc:
    spec: Doc = workload["spec"]["template"]["spec"]
    return spec


def main_container(workload: Doc) -> Doc:
    containers = pod_spec(workload)["containers"]
    by_name = {c["name"]: c for c in containers}
    return by_name.get(workload["metadata"]["name"], containers[0])


SECRET_PLACEHOLDER = "s3cr3t-" + "x" * 48  # long enough for JWT_KEY


def effective_env(docs: tuple[Doc, ...], container: Doc) -> dict[str, str]:
    """The container's environment as the kubelet builds it (Secrets as placeholders)."""
    configmaps = of_kind(docs, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    for var in container.get("env", []):
        if "value" in var:
            # $(NAME) refers to a variable defined earlier in the list.
            env[var["name"]] = re.sub(
                r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), var["value"]
            )
        elif "secretKeyRef" in var.get("valueFrom", {}):
            env[var["name"]] = SECRET_PLACEHOLDER
        elif "configMapKeyRef" in var.get("valueFrom", {}):
            ref = var["valueFrom"]["configMapKeyRef"]
            env[var["name"]] = configmaps[ref["name"]]["data"][ref["key"]]
        else:
            env[var["name"]] = "<downward-api>"
    return env


def secret_refs(workload: Doc) -> set[tuple[str, str]]:
    refs = set()
    for c in pod_spec(workload).get("containers", []) + pod_spec(workload).get(
        "initContainers", []
    ):
        for var in c.get("env", []):
            ref = var.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs.add((ref["name"], ref["key"]))
    return refs


# --------------------------------------------------------------------- Dockerfiles


@dataclass
class Stage:
    name: str
    base: str
    env: dict[str, str] = field(default_factory=dict)
    runs: list[str] = field(default_factory=list)
    copies: list[list[str]] = field(default_factory=list)  # [flags..., src..., dest]
    cmd: list[str] | None = None
    healthcheck: list[str] | None = None
    user: str | None = None
    workdir: str = "/"
    expose: list[str] = field(default_factory=list)
    parent: Stage | None = None  # the stage this one is built FROM

    def all_copies(self) -> list[list[str]]:
        """COPY instructions of this stage and the stages it is built on."""
        return (self.parent.all_copies() if self.parent else []) + self.copies


def _instructions(text: str) -> list[tuple[str, str]]:
    logical: list[str] = []
    buf = ""
    for line in text.splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        logical.append(buf + line)
        buf = ""
    out = []
    for item in logical:
        keyword, _, rest = item.strip().partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


@cache
def dockerfile(path: Path) -> dict[str, Stage]:
    """Stages by name; a stage built FROM another inherits its image config."""
    stages: dict[str, Stage] = {}
    args: dict[str, str] = {}
    current: Stage | None = None
    for keyword, rest in _instructions(path.read_text()):
        if keyword == "ARG":  # global, or in a stage (then also usable by its ENV)
            name, _, default = rest.partition("=")
            args[name] = default.strip('"')
        elif keyword == "FROM":
            words = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), words[0])
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else str(len(stages))
            current = Stage(name=name, base=base)
            if base in stages:  # inherit config, not build steps
                parent = current.parent = stages[base]
                current.env = dict(parent.env)
                current.cmd, current.healthcheck = parent.cmd, parent.healthcheck
                current.user, current.workdir = parent.user, parent.workdir
                current.expose = list(parent.expose)
            stages[name] = current
        elif current is None:
            continue
        elif keyword == "ENV":
            for token in shlex.split(rest):
                key, _, value = token.partition("=")
                value = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), value)
                current.env[key] = value.replace("$PATH", current.env.get("PATH", "$PATH"))
        elif keyword == "RUN":
            current.runs.append(re.sub(r"^(--\S+\s+)+", "", rest))
        elif keyword == "COPY":
            current.copies.append(shlex.split(rest))
        elif keyword == "CMD":
            current.cmd = json.loads(rest)
        elif keyword == "HEALTHCHECK":
            current.healthcheck = json.loads(rest[rest.index("CMD") + 3 :])
        elif keyword == "USER":
            current.user = rest
        elif keyword == "WORKDIR":
            current.workdir = rest
        elif keyword == "EXPOSE":
            current.expose += rest.split()
    return stages


def skaffold() -> Doc:
    doc: Doc = yaml.safe_load((REPO / "skaffold.yaml").read_text())
    return doc


def image_stage(image: str) -> Stage:
    """The Dockerfile stage skaffold builds for an image."""
    artifact = next(a for a in skaffold()["build"]["artifacts"] if a["image"] == image)
    stages = dockerfile(REPO / artifact.get("context", ".") / artifact["docker"]["dockerfile"])
    target = artifact["docker"].get("target")
    return stages[target] if target else list(stages.values())[-1]


# ------------------------------------------------------------------- .dockerignore


def dockerignore_admits(path: str) -> bool:
    """Whether `path` (relative, POSIX) reaches the build context."""
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    admitted = True
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        pat = pat.rstrip("/")
        matched = any(_match(pat, c) for c in candidates)
        if matched:
            admitted = negate
    return admitted


def _match(pattern: str, path: str) -> bool:
    if pattern.startswith("**/"):
        tail = pattern[3:]
        return any(fnmatch.fnmatchcase("/".join(path.split("/")[i:]), tail) for i in range(8))
    return fnmatch.fnmatchcase(path, pattern) and path.count("/") == pattern.count("/")
