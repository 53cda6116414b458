"""Validation in a second process, so a batch validates document k while it signs document k+1.

pyHanko's validation is pure Python (the GIL keeps a thread from running it beside the signing), so
a batch that completes many documents hands each signed PDF to one child process. The child is
started for one batch (spawned, not forked: the worker has threads) and stopped at its end, so no
worker keeps a second copy of the signing stack. Same function, same roots, same revocation
setting as ``Services.validate``: the report is the one the worker would have computed itself.
"""
from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

if TYPE_CHECKING:
    from .validation import ValidationReport

_ROOTS: list[x509.Certificate] = []
_ONLINE = True


def _init(roots_der: list[bytes], online: bool) -> None:
    """Child start: load the roots once and import the validation stack before the first PDF."""
    global _ONLINE
    from . import validation  # noqa: F401  (the import is the warm-up)

    _ROOTS[:] = [x509.load_der_x509_certificate(d) for d in roots_der]
    _ONLINE = online
    _share_online_answers()


def _share_online_answers(ttl: float = 60.0) -> None:
    """This child lives for one batch of one signer: each certificate's online OCSP/CRL answer is
    fetched once and reused for ``ttl`` seconds (as the batch's B-LT context reuses the answers it
    embeds), instead of two requests per document."""
    import time

    from . import revocation

    fetch = revocation._fetch
    answers: dict[tuple[bytes, bytes], tuple[float, Any]] = {}

    def shared(cert: x509.Certificate, issuer: x509.Certificate, *args: Any) -> Any:
        key = (cert.public_bytes(Encoding.DER), issuer.public_bytes(Encoding.DER))
        hit = answers.get(key)
        if hit is not None and time.monotonic() - hit[0] < ttl:
            return hit[1]
        status = fetch(cert, issuer, *args)
        if status is not None:  # no answer: asked again next time
            answers[key] = (time.monotonic(), status)
        return status

    revocation._fetch = shared  # type: ignore[assignment]  # only in this child


def _validate(pdf: bytes) -> ValidationReport:
    from .validation import validate_pdf

    return validate_pdf(pdf, trust_roots=_ROOTS, online=_ONLINE)


class ValidationPool:
    """One child process validating PDFs in submission order; ``close`` stops it.

    Falls back to validating in this process when the child cannot start or dies, so a batch never
    fails because of the pool (the result is the same report either way)."""

    def __init__(self, roots: Sequence[x509.Certificate], online: bool) -> None:
        self._roots, self._online = list(roots), online
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_init,
            initargs=([c.public_bytes(Encoding.DER) for c in roots], online))

    def submit(self, pdf: bytes) -> Future[ValidationReport]:
        if self._pool is not None:
            try:
                return self._pool.submit(_validate, pdf)
            except (BrokenProcessPool, RuntimeError):
                self.close()
        done: Future[ValidationReport] = Future()
        done.set_result(self.validate_here(pdf))
        return done

    def result(self, future: Future[ValidationReport], pdf: bytes) -> ValidationReport:
        """The report of ``pdf``; validated here if the child died before answering."""
        try:
            return future.result()
        except BrokenProcessPool:
            self.close()
            return self.validate_here(pdf)

    def validate_here(self, pdf: bytes) -> ValidationReport:
        from .validation import validate_pdf

        return validate_pdf(pdf, trust_roots=self._roots, online=self._online)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
