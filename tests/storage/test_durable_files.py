"""The local store's paired write: both files in place with their bytes, never an overwrite, no debris."""
from __future__ import annotations

import os

import pytest

from khuyenhoc_docs.storage.durable_files import create_exclusive_pair


def test_pair_written_with_modes_and_no_temp_files(tmp_path):
    create_exclusive_pair(tmp_path / "a.bin", b"data" * 1000, 0o444, tmp_path / "a.json", b"{}", 0o644)
    assert (tmp_path / "a.bin").read_bytes() == b"data" * 1000
    assert (tmp_path / "a.json").read_bytes() == b"{}"
    assert oct(os.stat(tmp_path / "a.bin").st_mode & 0o777) == oct(0o444)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "a.json"]


def test_existing_sidecar_is_not_overwritten(tmp_path):
    (tmp_path / "b.json").write_bytes(b"old")
    with pytest.raises(FileExistsError):
        create_exclusive_pair(tmp_path / "b.bin", b"new", 0o444, tmp_path / "b.json", b"new", 0o644)
    assert (tmp_path / "b.json").read_bytes() == b"old"
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())


def test_existing_data_is_not_overwritten_and_no_sidecar_appears(tmp_path):
    (tmp_path / "c.bin").write_bytes(b"old")
    with pytest.raises(FileExistsError):
        create_exclusive_pair(tmp_path / "c.bin", b"new", 0o444, tmp_path / "c.json", b"{}", 0o644)
    assert (tmp_path / "c.bin").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.bin"]
