"""pyHanko's difference analysis, reusing what an earlier validation of a byte-for-byte prefix of
the same file found.

Each step of an issuance validates a PDF that extends the one validated at an earlier step by a
few incremental updates, and pyHanko's analysis of each signature walks the whole object graph
of its signed revision and then diffs that revision against every later one. Both depend only on
the bytes up to the later revision. So a validation remembers, keyed by the SHA-256 of the whole
file, each signature's walk and its result over the file's revisions; a later validation of a
file that starts with exactly those bytes (and whose earlier revisions sit at the same xref
offsets, so they are the same revisions) takes them and diffs only the new revisions. The policy
and the rules are pyHanko's own (``DEFAULT_DIFF_POLICY``); the result equals a full analysis.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel, SuspiciousModification
from pyhanko.sign.diff_analysis.policy_api import DiffPolicy

MAX_FILES = 8  # files remembered per process; a walk of a 5-signature programme is ~1 MB
_TAIL = 64  # bytes compared before hashing a candidate prefix
log = logging.getLogger(__name__)

Review = DiffResult | SuspiciousModification


@dataclass
class _Analysed:
    """What one validation of a whole file found (revisions counted from 0, the oldest)."""

    size: int
    tail: bytes
    xref_starts: tuple[int, ...]  # one per revision
    walks: dict[int, dict] = field(default_factory=dict)  # signed revision → pyHanko's reverse xref cache
    reviews: dict[tuple[int, str, Any], Review] = field(default_factory=dict)  # over all revisions


_lock = threading.Lock()
_files: OrderedDict[str, _Analysed] = OrderedDict()


def _xref_starts(reader: PdfFileReader) -> tuple[int, ...]:
    xrefs = reader.xrefs
    return tuple(xrefs.get_xref_container_info(r).start_location for r in range(xrefs.total_revisions))


def _prefix_of(pdf: bytes, starts: tuple[int, ...]) -> _Analysed | None:
    """The remembered file ``pdf`` extends (the longest), if any."""
    with _lock:
        candidates = sorted(_files.items(), key=lambda kv: -kv[1].size)
    for digest, known in candidates:
        if known.size > len(pdf) or pdf[known.size - len(known.tail):known.size] != known.tail:
            continue
        if starts[:len(known.xref_starts)] != known.xref_starts:
            continue  # the new update's chain does not run through the same revisions
        if hashlib.sha256(memoryview(pdf)[:known.size]).hexdigest() == digest:
            return known
    return None


class ReusingDiffPolicy(DiffPolicy):
    """``DEFAULT_DIFF_POLICY``'s ``review_file`` for one file, starting from an earlier validation's
    results when the file extends one already analysed; ``remember()`` keeps this file's."""

    def __init__(self, pdf: bytes, reader: PdfFileReader) -> None:
        self._policy = DEFAULT_DIFF_POLICY
        self._reader = reader
        starts = _xref_starts(reader)
        self._prior = _prefix_of(pdf, starts)
        self._digest = hashlib.sha256(pdf).hexdigest()
        self._found = _Analysed(len(pdf), bytes(pdf[-_TAIL:]), starts)
        self.reused = 0  # revisions whose diff was taken from the earlier validation (tests read it)

    def apply(self, old: HistoricalResolver, new: HistoricalResolver, field_mdp_spec: Any = None,
              doc_mdp: Any = None) -> DiffResult:
        return self._policy.apply(old, new, field_mdp_spec, doc_mdp)

    def review_file(self, reader: PdfFileReader, base_revision: int | HistoricalResolver,
                    field_mdp_spec: Any = None, doc_mdp: Any = None) -> Review:
        """pyHanko's ``StandardDiffPolicy.review_file``: the signed revision against each later one,
        the first suspicious modification ending the review."""
        if reader is not self._reader:
            return self._policy.review_file(reader, base_revision, field_mdp_spec, doc_mdp)
        base = reader.get_historical_resolver(base_revision) if isinstance(base_revision, int) else base_revision
        key = (base.revision, repr(field_mdp_spec), doc_mdp)
        prior = self._prior
        first = base.revision + 1
        level, changed = ModificationLevel.NONE, set()
        if prior is not None and key in prior.reviews:
            earlier = prior.reviews[key]
            if isinstance(earlier, SuspiciousModification):
                self._found.reviews[key] = earlier
                return earlier
            level, changed = earlier.modification_level, set(earlier.changed_form_fields)
            self.reused += len(prior.xref_starts) - first
            first = len(prior.xref_starts)
        if prior is not None and base._indirect_object_access_cache is None and base.revision in prior.walks:
            base._indirect_object_access_cache = prior.walks[base.revision]
        result: Review
        for revision in range(first, reader.xrefs.total_revisions):
            try:
                diff = self._policy.apply(base, reader.get_historical_resolver(revision), field_mdp_spec, doc_mdp)
            except SuspiciousModification as exc:
                log.warning("suspicious modification between revisions %s and %s: %s", base.revision, revision, exc)
                result = exc
                break
            level = max(level, diff.modification_level)
            changed |= diff.changed_form_fields
        else:
            result = DiffResult(level, changed)
        self._found.reviews[key] = result
        if base._indirect_object_access_cache is not None:
            self._found.walks[base.revision] = base._indirect_object_access_cache
        return result

    def remember(self) -> None:
        """Keep this file's results for validations of its extensions (newest kept, oldest dropped)."""
        if not self._found.reviews:
            return
        with _lock:
            _files[self._digest] = self._found
            _files.move_to_end(self._digest)
            while len(_files) > MAX_FILES:
                _files.popitem(last=False)


def forget() -> None:
    """Drop every remembered analysis (tests)."""
    with _lock:
        _files.clear()
