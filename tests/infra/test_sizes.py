"""The size rule `make lint` runs (scripts/check_sizes.py): what it counts and what it skips."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.infra import support

sys.path.insert(0, str(support.REPO / "scripts"))
import check_sizes


def test_a_long_hand_written_file_is_reported_and_a_generated_one_is_not(tmp_path: Path) -> None:
    long = tmp_path / "long.py"
    long.write_text("x = 1\n" * (check_sizes.MAX_LINES + 1))
    at_limit = tmp_path / "at_limit.py"
    at_limit.write_text("x = 1\n" * check_sizes.MAX_LINES)
    generated = tmp_path / "generated.yaml"
    generated.write_text("a: 1\n" * 900)
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" + b"\n" * 900)
    found = check_sizes.oversized([long, at_limit, generated, binary], skip={generated})
    assert found == [(long, check_sizes.MAX_LINES + 1)]


def test_what_make_generate_writes_is_left_out() -> None:
    generated = check_sizes.generated(support.REPO)
    assert support.REPO / "infra/k8s/base/ingress.yaml" in generated
    assert support.REPO / "infra/grafana/ticketing.json" in generated
    assert not any(p.suffix == ".py" for p in generated)


def test_production_files_cover_the_product_and_not_the_tests() -> None:
    files = {
        p.relative_to(support.REPO).parts[0] for p in check_sizes.production_files(support.REPO)
    }
    assert files == set(check_sizes.PRODUCTION)
