"""Modules stay small enough to read in one sitting: none under khuyenhoc_docs/ exceeds 400 lines.

A module that grows past the limit is split along a seam (a capability of its own, as
``storage/s3_transport.py`` or ``signing/report_vi.py``), never cut at an arbitrary line.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "khuyenhoc_docs"
LIMIT = 400


def oversized(root: Path, limit: int = LIMIT) -> dict[str, int]:
    sizes = {str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines()) for p in root.rglob("*.py")}
    return {name: n for name, n in sorted(sizes.items()) if n > limit}


def test_no_module_exceeds_400_lines():
    assert not oversized(ROOT), f"split these along a seam: {oversized(ROOT)}"


def test_the_size_check_counts_lines(tmp_path):
    (tmp_path / "big.py").write_text("x = 1\n" * (LIMIT + 1))
    (tmp_path / "small.py").write_text("x = 1\n" * LIMIT)
    assert oversized(tmp_path) == {"big.py": LIMIT + 1}
