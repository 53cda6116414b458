"""The batch's validation child: the same report as validating in the worker, in order, errors raised
as they would be here; a child that dies is replaced by validating here; nothing is left running."""
from __future__ import annotations

import os
import subprocess

import pytest

from khuyenhoc_docs.signing import InvalidPdf
from khuyenhoc_docs.signing.validation import validate_pdf
from khuyenhoc_docs.signing.validation_pool import ValidationPool


def _children() -> list[str]:
    out = subprocess.run(["ps", "-ww", "--ppid", str(os.getpid()), "-o", "cmd="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "validation_pool" in line or "resource_tracker" in line]


def _same(a, b) -> None:
    da, db = a.to_dict(), b.to_dict()
    da.pop("validated_at"), db.pop("validated_at")
    assert da == db


def test_child_reports_equal_the_workers_own_and_come_in_order(signed_pdf, pki):
    here = validate_pdf(signed_pdf, trust_roots=[pki.ca.cert], online=False)
    assert len(here.signatures) == 2  # judged offline: the session PKI runs no responders
    pool = ValidationPool([pki.ca.cert], online=False)
    try:
        first, broken, second = pool.submit(signed_pdf), pool.submit(b"not a pdf"), pool.submit(signed_pdf)
        assert _children()  # validated in a child process
        _same(pool.result(first, signed_pdf), here)
        with pytest.raises(InvalidPdf):
            pool.result(broken, b"not a pdf")
        _same(pool.result(second, signed_pdf), here)
    finally:
        pool.close()
    assert _children() == []  # no child (and no multiprocessing resource tracker) stays behind


def test_a_dead_child_is_replaced_by_validating_here(signed_pdf, pki):
    pool = ValidationPool([pki.ca.cert], online=False)
    try:
        assert pool._proc is not None
        pool._proc.kill()
        pool._proc.wait()
        future = pool.submit(signed_pdf)
        report = pool.result(future, signed_pdf)
        _same(report, validate_pdf(signed_pdf, trust_roots=[pki.ca.cert], online=False))
        assert pool._proc is None  # from then on the batch validates in its own process
        _same(pool.result(pool.submit(signed_pdf), signed_pdf), report)
    finally:
        pool.close()
    assert _children() == []
