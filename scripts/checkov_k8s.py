"""checkov over the rendered Kubernetes manifests: every finding fixed or explained.

    python scripts/checkov_k8s.py   # part of `make lint`

Renders the dev and prod overlays and the monitoring kustomization with `kubectl
kustomize`, scans them with checkov's Kubernetes checks, and fails on any finding
that no entry of EXPLAINED covers, and on any entry that no longer covers a finding
(so the list cannot outlive the reason). checkov runs from its own environment,
.venv-checkov (requirements/checkov.txt).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHECKOV = REPO / ".venv-checkov/bin/checkov"
KUSTOMIZATIONS = {
    "dev": "infra/k8s/overlays/dev",
    "prod": "infra/k8s/overlays/prod",
    "monitoring": "infra/k8s/monitoring",
}
APPS = "Deployment.ticketing.*"
STORES = "StatefulSet.ticketing.*"


@dataclass(frozen=True)
class Explained:
    check: str
    where: str  # fnmatch pattern over "<kustomization>:<Kind>.<namespace>.<name>"
    why: str


EXPLAINED = (
    Explained(
        "CKV_K8S_43",
        "*",
        "Images are named by tag in git; a release pins each by digest with `kustomize edit"
        " set image` (docs/deploy.md). Digests cannot be looked up or verified offline.",
    ),
    Explained(
        "CKV_K8S_15",
        "*",
        "imagePullPolicy IfNotPresent: skaffold loads locally built images into kind, which"
        " Always would try to pull; a digest-pinned release gains nothing from Always.",
    ),
    Explained(
        "CKV_K8S_14",
        f"*:{APPS}",
        "ticketing/services and ticketing/ui carry no tag in git: skaffold (dev) and"
        " `kustomize edit set image` (a release) set it at deploy.",
    ),
    Explained(
        "CKV_K8S_35",
        f"*:{APPS}",
        "DATABASE_URL is composed from $(DB_PASSWORD) by Kubernetes env interpolation, and"
        " JWT_KEY and the Stripe keys are read by pydantic-settings from env; the NATS and"
        " Redis passwords are already files (SECRETS_DIR).",
    ),
    Explained(
        "CKV_K8S_35",
        f"*:{STORES}-db",
        "The official postgres image reads POSTGRES_PASSWORD from env on first start only.",
    ),
    Explained(
        "CKV_K8S_40",
        f"*:{STORES}",
        "Postgres, Redis and NATS run as their official images' own non-root users, which"
        " own the data directories those images create (runAsNonRoot is still enforced).",
    ),
    Explained(
        "CKV_K8S_22",
        f"dev:{APPS}",
        "The dev overlay lets skaffold sync edited source into /app (prod is read-only).",
    ),
)


def render(out: Path) -> None:
    for name, path in KUSTOMIZATIONS.items():
        rendered = subprocess.run(
            ["kubectl", "kustomize", str(REPO / path)], check=True, capture_output=True, text=True
        ).stdout
        (out / f"{name}.yaml").write_text(rendered)


def findings(folder: Path) -> list[tuple[str, str]]:
    """(check id, "<kustomization>:<resource>") of every failed check."""
    argv = [str(CHECKOV), "-d", str(folder), "--framework", "kubernetes", "-o", "json"]
    argv += ["--quiet", "--compact", "--skip-download"]
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    reports = json.loads(out)
    found = []
    for report in reports if isinstance(reports, list) else [reports]:
        for failed in report["results"]["failed_checks"]:
            source = Path(failed["file_path"]).stem
            found.append((failed["check_id"], f"{source}:{failed['resource']}"))
    return found


def unexplained(found: list[tuple[str, str]]) -> tuple[list[str], list[Explained]]:
    def covers(e: Explained, check: str, where: str) -> bool:
        return e.check == check and fnmatch(where, e.where)

    bare = [f"{c} {w}" for c, w in found if not any(covers(e, c, w) for e in EXPLAINED)]
    stale = [e for e in EXPLAINED if not any(covers(e, c, w) for c, w in found)]
    return sorted(set(bare)), stale


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        render(Path(tmp))
        found = findings(Path(tmp))
    bare, stale = unexplained(found)
    for finding in bare:
        print(f"checkov: unexplained finding {finding} (fix it or explain it in EXPLAINED)")
    for entry in stale:
        print(f"checkov: {entry.check} on {entry.where} is explained but no longer found")
    if bare or stale:
        return 1
    checks = sorted({c for c, _ in found})
    print(f"checkov: {len(found)} findings over {len(checks)} checks, all explained")
    return 0


if __name__ == "__main__":
    sys.exit(main())
