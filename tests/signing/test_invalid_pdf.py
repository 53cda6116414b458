"""Inputs that are not a readable PDF are refused with InvalidPdf."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from khuyenhoc_docs.signing import InvalidPdf, validate_pdf


@pytest.mark.parametrize("data", [b"", b"hello world", b"PK\x03\x04 docx zip", b"%PDF-1.7\n"])
def test_not_a_pdf(data, pki):
    with pytest.raises(InvalidPdf) as err:
        validate_pdf(data, trust_roots=[pki.ca.cert])
    assert err.value.reason_vi


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated(signed_pdf, pki, keep):
    with pytest.raises(InvalidPdf) as err:
        validate_pdf(signed_pdf[: int(len(signed_pdf) * keep)], trust_roots=[pki.ca.cert])
    assert "cắt cụt" in err.value.reason_vi or "hỏng" in err.value.reason_vi


def test_garbage_after_header(pki):
    with pytest.raises(InvalidPdf):
        validate_pdf(b"%PDF-1.6\n" + bytes(range(256)) * 10 + b"\n%%EOF\n", trust_roots=[pki.ca.cert])


def test_encrypted(signed_pdf, pki, tmp_path):
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf not installed")
    src, dst = tmp_path / "in.pdf", tmp_path / "enc.pdf"
    src.write_bytes(signed_pdf)
    subprocess.run(["qpdf", "--encrypt", "user", "owner", "256", "--", str(src), str(dst)],
                   check=True, capture_output=True)
    with pytest.raises(InvalidPdf) as err:
        validate_pdf(dst.read_bytes(), trust_roots=[pki.ca.cert])
    assert "mã hoá" in err.value.reason_vi
