"""A malformed number in a revision after the signatures ("1.2.3": a bit flip can make one, and
pyHanko reports it with decimal.InvalidOperation, an ArithmeticError) leaves the signatures reported
broken: validation never fails on it with an unexpected error (edXML intake answered 500 for such a
file)."""
from __future__ import annotations

import re

from khuyenhoc_docs.signing import validate_pdf


def with_malformed_revision(pdf: bytes) -> bytes:
    """``pdf`` plus an incremental update whose new /Info dictionary holds a malformed number."""
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    size = max(int(n) for n in re.findall(rb"/Size (\d+)", pdf))
    root = re.findall(rb"/Root (\d+ \d+ R)", pdf)[-1]
    obj = b"\n%d 0 obj\n<< /Producer (x) /Foo 1.2.3 >>\nendobj\n" % size
    xref_at = len(pdf) + len(obj)
    return (pdf + obj + b"xref\n%d 1\n%010d 00000 n \n" % (size, len(pdf) + 1)
            + b"trailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (size + 1, root, size, prev, xref_at))


def test_a_malformed_number_after_the_signatures_is_reported_not_raised(signed_pdf, pki):
    report = validate_pdf(with_malformed_revision(signed_pdf), trust_roots=[pki.ca.cert], online=False)
    assert report.signatures and not report.ok
