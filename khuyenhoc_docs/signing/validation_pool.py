"""Validation in a second process, so a batch validates document k while it signs document k+1.

pyHanko's validation is pure Python (the GIL keeps a thread from running it beside the signing), so
a batch that completes many documents hands each signed PDF to one child process. The child is
started for one batch and stopped at its end, so no worker keeps a second copy of the signing stack.
It is a plain ``python -c`` child talking over its stdin/stdout (length-prefixed pickles): not
``multiprocessing``, whose spawn start leaves a resource-tracker process behind for the worker's
lifetime, and not a fork of a worker that has threads. Same function, same roots, same revocation
setting as ``Services.validate``: the report is the one the worker would have computed itself.
"""
from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

if TYPE_CHECKING:
    from .validation import ValidationReport

_ROOT = Path(__file__).resolve().parents[2]  # the directory holding the khuyenhoc_docs package
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from khuyenhoc_docs.signing.validation_pool import serve; serve()"
_HEADER = struct.Struct(">Q")


def _write(out: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(data)) + data)
    out.flush()


def _read(inp: IO[bytes]) -> Any:
    header = inp.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = inp.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - our own child process, over our own pipe


def serve() -> None:
    """The child: (roots, online) first, then one PDF at a time; answers (True, report) or (False, error)."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, never into the answers
    requests = sys.stdin.buffer
    try:
        roots_der, online = _read(requests)
    except EOFError:
        return
    from .validation import validate_pdf

    roots = [x509.load_der_x509_certificate(d) for d in roots_der]
    _share_online_answers()
    while True:
        try:
            pdf = _read(requests)
        except EOFError:
            return
        try:
            reply: tuple[bool, Any] = (True, validate_pdf(pdf, trust_roots=roots, online=online))
            _write(answers, reply)
        except Exception as exc:  # handed to the parent, which raises it as its own validation would
            try:
                _write(answers, (False, exc))
            except Exception:  # an error that cannot be pickled
                _write(answers, (False, RuntimeError(repr(exc))))


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


class ValidationPool:
    """One child process validating PDFs in submission order; ``close`` stops it.

    Falls back to validating in this process when the child cannot start or dies, so a batch never
    fails because of the child (the report is the same either way). The PDFs are written by a
    thread, so the worker never blocks on a full pipe while the child writes an answer."""

    def __init__(self, roots: Sequence[x509.Certificate], online: bool) -> None:
        self._roots, self._online = list(roots), online
        self._waiting: deque[tuple[Future[ValidationReport], bytes]] = deque()
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self._proc = subprocess.Popen([sys.executable, "-c", _BOOT, str(_ROOT)],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError:
            return
        self._writer = threading.Thread(target=self._send_all, args=(self._proc,), daemon=True,
                                        name="validation-pool-writer")
        self._writer.start()
        self._outbox.put(([c.public_bytes(Encoding.DER) for c in roots], online))

    def _send_all(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None
        while (item := self._outbox.get()) is not None:
            try:
                _write(proc.stdin, item)
            except (OSError, ValueError):
                return  # the child is gone: the reader notices and validates here
        proc.stdin.close()

    def submit(self, pdf: bytes) -> Future[ValidationReport]:
        future: Future[ValidationReport] = Future()
        if self._proc is None:
            future.set_result(self.validate_here(pdf))
        else:
            self._waiting.append((future, pdf))
            self._outbox.put(pdf)
        return future

    def result(self, future: Future[ValidationReport], pdf: bytes) -> ValidationReport:
        """The report of ``pdf`` (raises what its validation raised); answers come in order."""
        while not future.done():
            waiting, waiting_pdf = self._waiting.popleft()
            try:
                assert self._proc is not None and self._proc.stdout is not None
                ok, value = _read(self._proc.stdout)
            except (EOFError, OSError, AssertionError, pickle.UnpicklingError):
                self._fall_back(waiting, waiting_pdf)
                continue
            if ok:
                waiting.set_result(value)
            else:
                waiting.set_exception(value)
        return future.result()

    def _fall_back(self, first: Future[ValidationReport], pdf: bytes) -> None:
        """The child died: validate what it was given here, in order."""
        self.close()
        for waiting, waiting_pdf in [(first, pdf), *self._waiting]:
            try:
                waiting.set_result(self.validate_here(waiting_pdf))
            except Exception as exc:
                waiting.set_exception(exc)
        self._waiting.clear()

    def validate_here(self, pdf: bytes) -> ValidationReport:
        from .validation import validate_pdf

        return validate_pdf(pdf, trust_roots=self._roots, online=self._online)

    def close(self) -> None:
        """Stop the child (it ends when its input closes; killed if it does not within 10 s)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if self._waiting:  # a batch that stopped early: nobody needs the answers still coming
            proc.kill()
        self._outbox.put(None)
        self._writer.join(timeout=10)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
