"""`make lint`: no production file over 350 lines (a room with one job stays small).

Production is every file git knows (tracked, or new and not ignored) under the product's
folders; tests are not production, and the files `make generate` writes
(`infra/render.py`) are left out: their size follows the topology table, and nobody
edits them by hand.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Set as AbstractSet
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCTION = ("backend_services", "contracts", "harness", "stubhub_ui", "scripts", "infra", "bench")
MAX_LINES = 350


def production_files(repo: Path) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *PRODUCTION],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    return [repo / name for name in listed if (repo / name).is_file()]


def generated(repo: Path) -> set[Path]:
    sys.path[:0] = [str(repo), str(repo / "infra")]
    import render  # infra/render.py, as `make generate` runs it

    return {repo / path for path in render.render_all()}


def oversized(
    files: list[Path], skip: AbstractSet[Path] = frozenset(), limit: int = MAX_LINES
) -> list[tuple[Path, int]]:
    """(file, lines) for each text file not in `skip` longer than `limit` lines."""
    found = []
    for path in files:
        if path in skip:
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue  # images and other binary assets
        lines = len(text.splitlines())
        if lines > limit:
            found.append((path, lines))
    return found


def main() -> int:
    found = oversized(production_files(REPO), generated(REPO))
    for path, lines in found:
        print(f"{path.relative_to(REPO)}: {lines} lines (at most {MAX_LINES}): split it by role")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
