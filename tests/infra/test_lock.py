"""The images' lock files (requirements/*.txt) match pyproject.toml, with hashes."""

from __future__ import annotations

import re
import sys

import pytest

from tests.infra import support

sys.path.insert(0, str(support.REPO / "scripts"))
import lock

PYPROJECT = (support.REPO / "pyproject.toml").read_text()


def committed(extra: str) -> str:
    return (support.REPO / lock.LOCKS[extra]).read_text()


@pytest.mark.parametrize("extra", sorted(lock.LOCKS))
def test_committed_locks_are_current(extra: str) -> None:
    assert lock.problems(PYPROJECT, extra, committed(extra)) == []


@pytest.mark.parametrize("extra", sorted(lock.LOCKS))
def test_every_pin_has_hashes(extra: str) -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9])", committed(extra).split("\n", 1)[1])
    pins = [b for b in blocks if "==" in b.split("\n", 1)[0]]
    assert len(pins) > 10
    for block in pins:
        assert "--hash=sha256:" in block, block.split("\n", 1)[0]


def test_a_raised_floor_makes_the_lock_stale() -> None:
    raised = PYPROJECT.replace('"nats-py>=2.16"', '"nats-py>=99"')
    assert raised != PYPROJECT
    found = lock.problems(raised, "services", committed("services"))
    assert [p for p in found if p.startswith("nats-py==")], found


def test_a_new_requirement_makes_the_lock_stale() -> None:
    added = PYPROJECT.replace('"prometheus-client>=0.20",', '"prometheus-client>=0.20", "six",')
    assert added != PYPROJECT
    assert lock.problems(added, "services", committed("services")) == [
        "six is required but not locked"
    ]


def test_a_dropped_requirement_makes_the_lock_stale() -> None:
    dropped = PYPROJECT.replace('    "tenacity>=8.2",\n', "")
    assert dropped != PYPROJECT
    found = lock.problems(dropped, "ui", committed("ui"))
    assert found == ["tenacity is locked as a requirement pyproject.toml no longer has"]


@pytest.mark.parametrize(("image", "extra"), [("services", "services"), ("ui", "ui")])
def test_the_images_install_only_from_their_lock_with_hashes(image: str, extra: str) -> None:
    deps = support.dockerfile(support.INFRA / f"docker/{image}.Dockerfile")["deps"]
    installs = [run for run in deps.runs if "pip install" in run]
    assert installs == [f"pip install --require-hashes --no-deps -r {lock.LOCKS[extra]}"]
    assert [lock.LOCKS[extra]] in ([a for a in c[:-1]] for c in deps.copies)


def test_make_setup_installs_every_local_environment_only_from_a_lock() -> None:
    script = (support.REPO / "scripts/setup.sh").read_text()
    calls = re.findall(r"^venv (\S+) (\S+)", script, re.MULTILINE)
    assert dict(calls) == {
        ".venv": "dev",
        ".venv-ui": "ui-dev",
        ".venv-stripe": "localstripe",
        ".venv-checkov": "checkov",
    }
    assert set(dict(calls).values()) | {"services", "ui"} == set(lock.LOCKS)
    installs = re.findall(r'pip" install (.*)', script)
    assert installs == ['-q --require-hashes --no-deps -r "$lock" &&', "-q --no-deps -e .; fi"]
