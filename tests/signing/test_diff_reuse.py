"""The difference analysis reusing an earlier validation of a prefix of the file gives pyHanko's
own results, catches modifications appended after that validation, and reuses only real prefixes."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature

from khuyenhoc_docs.signing import validate_pdf
from khuyenhoc_docs.signing.diff_reuse import ReusingDiffPolicy, forget
from tests.signing.conftest import utc


def _reviews(pdf: bytes, reuse: bool) -> tuple[list[tuple[str, str]], int]:
    """(field, pyHanko's diff result) per signature, and how many revisions came from memory."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    policy = ReusingDiffPolicy(pdf, reader) if reuse else DEFAULT_DIFF_POLICY
    out = []
    for name, _, ref in enumerate_sig_fields(reader, filled_status=True):
        emb = EmbeddedPdfSignature(reader, ref, name)
        emb.compute_integrity_info(policy)
        out.append((name, repr(emb.diff_result)))
    if isinstance(policy, ReusingDiffPolicy):
        policy.remember()
        return out, policy.reused
    return out, 0


def _drawn_on(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"q 0 0 1 rg 72 72 90 40 re f Q")))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_extension_reuses_the_prefix_and_equals_a_full_analysis(signed_pdf):
    forget()
    _reviews(signed_pdf, reuse=True)
    tampered = _drawn_on(signed_pdf)
    reused, count = _reviews(tampered, reuse=True)
    assert count > 0
    assert reused == _reviews(tampered, reuse=False)[0]
    assert all(result.startswith("SuspiciousModification") for _, result in reused)


def test_same_file_again_is_wholly_reused(signed_pdf):
    forget()
    first, _ = _reviews(signed_pdf, reuse=True)
    again, count = _reviews(signed_pdf, reuse=True)
    assert again == first and count > 0


def test_a_file_that_is_not_an_extension_reuses_nothing(signed_pdf):
    forget()
    _reviews(signed_pdf, reuse=True)
    # the remembered file's revisions with one byte changed, then an update: not its extension.
    # The byte is in the binary comment after the header, so the file still parses (a byte in the
    # middle could land in a signature's hex string and make it unreadable instead).
    other = bytearray(signed_pdf)
    at = signed_pdf.index(b"\n%") + 2
    assert other[at] >= 0x80
    other[at] ^= 1
    _, count = _reviews(bytes(other) + _drawn_on(signed_pdf)[len(signed_pdf):], reuse=True)
    assert count == 0


def test_validation_report_is_the_same_with_and_without_memory(signed_pdf, pki):
    tampered, at = _drawn_on(signed_pdf), utc()
    forget()
    fresh = validate_pdf(tampered, trust_roots=[pki.ca.cert], at=at, online=False).to_dict()
    forget()
    validate_pdf(signed_pdf, trust_roots=[pki.ca.cert], at=at, online=False)
    remembered = validate_pdf(tampered, trust_roots=[pki.ca.cert], at=at, online=False).to_dict()
    assert remembered == fresh
    assert not remembered["ok"]
    assert {s["modification_level"] for s in remembered["signatures"]} == {"OTHER"}
