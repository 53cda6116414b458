"""Vietnamese-aware text handling shared by both engines: folding, tokens, snippets.

Both engines index the *folded* text (no diacritics, đ→d, casefolded) as plain
words separated by single spaces, and both build their engine query from the
tokens :func:`tokenize` returns. So what counts as a word, and what matches
what, is decided here in Python once — never by raw user text reaching an engine.
"""
from __future__ import annotations

import bisect
import html
import itertools
import re
import unicodedata
from collections.abc import Iterator, Sequence

from ..errors import ValidationFailed

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_TERM_CHARS = 64
MIN_PREFIX_CHARS = 2
# Words longer than this are junk (base64, hashes) and PostgreSQL refuses lexemes > 2047 bytes.
MAX_INDEXED_WORD_CHARS = 256
# Cap on the folded text per record: PostgreSQL's tsvector is limited to 1 MB and no
# administrative document comes near 200k characters (~30,000 words).
MAX_INDEXED_CHARS = 200_000
SNIPPET_WORDS = 30
SNIPPET_WORDS_BEFORE = 10

# "Word" = a run of letters/digits (str.isalnum), exactly what both engines will see.
WORD_RE = re.compile(r"[^\W_]+")
_WS_RE = re.compile(r"\s+")
_SPACE_RE = re.compile(r"\s")
_NON_SPACE_RE = re.compile(r"\S+")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Đ/đ have no decomposition; Ð/ð (Icelandic eth) are often typed for Đ/đ in Vietnamese text.
_D_MAP = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


class SearchQueryInvalid(ValidationFailed):
    """The search request cannot be run; ``message`` is Vietnamese and safe to show."""


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def _fold_char(ch: str) -> str:
    """Fold one character; the result may be empty (a lone combining mark) or longer (ß→ss)."""
    out = _strip_marks(ch).translate(_D_MAP).casefold()
    # casefold can reintroduce marks (İ → i + U+0307), so strip once more.
    return _strip_marks(out)


# Code point → folded string, for str.translate: plain dicts filled ahead of each call
# (translate is ~40% slower with a dict subclass that fills itself via __missing__).
# _WORD_TABLE also turns every non-word character into a space, so words are one
# translate + split instead of a regex. Bounded: hostile input with every code point
# cannot grow them without limit.
_FOLD_TABLE: dict[int, str] = {}
_WORD_TABLE: dict[int, str] = {}
_SEEN: set[str] = set()
# Characters folding to more or fewer than one character (ß → ss, a lone combining mark → "").
_IRREGULAR: set[str] = set()
_TABLE_LIMIT = 20_000


def _word_form(folded: str) -> str:
    return "".join(ch if ch.isalnum() else " " for ch in folded)


def _tables_for(text: str) -> tuple[dict[int, str], dict[int, str]]:
    """(fold table, word table) covering every character of ``text``."""
    new = set(text) - _SEEN
    if not new:
        return _FOLD_TABLE, _WORD_TABLE
    folds = {ord(ch): _fold_char(ch) for ch in new}
    word_forms = {cp: _word_form(f) for cp, f in folds.items()}
    # Before the tables: a reader seeing a character in _SEEN also sees it here (bounded: few
    # code points fold irregularly).
    _IRREGULAR.update(chr(cp) for cp, f in folds.items() if len(f) != 1)
    if len(_SEEN) + len(new) > _TABLE_LIMIT:  # cache full: tables for this call only
        return {**_FOLD_TABLE, **folds}, {**_WORD_TABLE, **word_forms}
    # Tables first, then _SEEN: a concurrent reader never misses an entry.
    _FOLD_TABLE.update(folds)
    _WORD_TABLE.update(word_forms)
    _SEEN.update(new)
    return _FOLD_TABLE, _WORD_TABLE


def _fold_raw(text: str) -> str:
    """Fold char by char (NFC first), keeping whitespace as it is."""
    text = unicodedata.normalize("NFC", text)
    return text.translate(_tables_for(text)[0])


def clean(text: str) -> str:
    """NFC text without NUL bytes or lone surrogates (neither survives a UTF-8 database).

    NUL becomes a space: it separates words, as it does in a query.
    """
    text = text.replace("\x00", " ")
    if _SURROGATE_RE.search(text):
        text = _SURROGATE_RE.sub("\ufffd", text)
    return unicodedata.normalize("NFC", text)


def has_invalid_chars(text: str) -> bool:
    """True if ``text`` holds a NUL byte or a lone surrogate."""
    return "\x00" in text or _SURROGATE_RE.search(text) is not None


def fold(text: str) -> str:
    """Diacritic- and case-insensitive form: "Gia Đình  Học tập" → "gia dinh hoc tap"."""
    # split/join: same whitespace as \s, several times faster than re.sub on long bodies.
    return " ".join(_fold_raw(text).split())


def fold_map(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text`` char by char (no whitespace collapsing) and map positions back.

    Returns ``(folded, origin)`` where ``origin[i]`` is the index in ``text`` of the
    character folded char ``i`` came from, or ``None`` when every character folds to
    exactly one character (the usual case for NFC Vietnamese), i.e. the identity.
    """
    table = _tables_for(text)[0]
    folded = text.translate(table)
    lengths = {ch: len(table[ord(ch)]) for ch in set(text)}
    if all(n == 1 for n in lengths.values()):
        return folded, None
    origin: list[int] = []
    for index, ch in enumerate(text):
        origin.extend([index] * lengths[ch])
    return folded, origin


def words(text: str) -> list[str]:
    """The folded words of ``text`` (runs of letters/digits), as the engines index them."""
    text = unicodedata.normalize("NFC", text)
    return text.translate(_tables_for(text)[1]).split()


def index_text(*parts: str) -> str:
    """Folded words of all ``parts`` joined by single spaces, within the size caps."""
    found = words(" ".join(p for p in parts if p))
    if max(map(len, found), default=0) > MAX_INDEXED_WORD_CHARS:
        found = [w for w in found if len(w) <= MAX_INDEXED_WORD_CHARS]
    joined = " ".join(found)
    if len(joined) > MAX_INDEXED_CHARS:
        joined = joined[:MAX_INDEXED_CHARS].rsplit(" ", 1)[0]
    return joined


def key_text(text: str) -> str:
    """Padded word key for substring filters: "40/CTPH-HKVN" → " 40 ctph hkvn "."""
    return " " + " ".join(words(text)) + " "


def tokenize(query: str) -> list[str]:
    """Search terms of a user query: folded words, at most 32 of at most 64 chars each.

    Raises :class:`SearchQueryInvalid` for queries over 500 characters. Anything that is
    not a letter or digit (quotes, operators' punctuation, NUL, surrogates, emoji) is a
    separator; operator *words* (AND, NEAR) are just words to look for.
    """
    if not isinstance(query, str):
        raise SearchQueryInvalid(code="search_query_invalid")
    if len(query) > MAX_QUERY_CHARS:
        raise SearchQueryInvalid(
            code="search_query_too_long", params={"max_chars": MAX_QUERY_CHARS}
        )
    terms: list[str] = []
    # NUL and surrogates are not word characters: they separate words like spaces.
    for term in words(query):
        term = term[:MAX_TERM_CHARS]
        if term not in terms:  # "hoc hoc" is one condition, and keeps engine queries short
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return terms


def is_prefix(term: str) -> bool:
    """Whether a search term matches as a word prefix ("khuy" → "khuyến").

    One-character terms match whole words only: as prefixes they would match most of
    the archive ("d" → every d-word) and cost the engines a merge of hundreds of
    posting lists per term, while "2" in "chỉ thị 2" or "ở" are meant as words.
    """
    return len(term) >= MIN_PREFIX_CHARS


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    # Same rule as the engines: a prefix term matches at a word start and the mark
    # extends to the end of that word; a short term must be the whole word.
    ordered = sorted(set(terms), key=len, reverse=True)
    prefixes = "|".join(re.escape(t) for t in ordered if is_prefix(t))
    words_ = "|".join(re.escape(t) for t in ordered if not is_prefix(t))
    branches = [f"(?:{prefixes})[^\\W_]*"] if prefixes else []
    branches += [f"(?:{words_})(?![^\\W_])"] if words_ else []
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(branches)})")


def _original_span(start: int, end: int, origin: list[int] | None, text: str) -> tuple[int, int]:
    if origin is None:
        return start, end
    o_start, o_end = origin[start], origin[end - 1] + 1
    # Characters folding to nothing (combining marks) belong to the word before them.
    while o_end < len(text) and _fold_char(text[o_end]) == "":
        o_end += 1
    return o_start, o_end


def _escape(chunk: str) -> str:
    return html.escape(_WS_RE.sub(" ", chunk), quote=True)


def _words_before(body: str, anchor: int, count: int) -> int:
    """Start of the ``count``-th whitespace-separated word before ``anchor`` (or 0)."""
    start = anchor
    for _ in range(count):
        gap = start
        while gap > 0 and body[gap - 1].isspace():
            gap -= 1
        word = gap
        while word > 0 and not body[word - 1].isspace():
            word -= 1
        if word == gap:
            break
        start = word
    return start


def _term_index(text: str, terms: Sequence[str]) -> int:
    return next((i for i, t in enumerate(terms) if text.startswith(t)), -1)


def _best_match(pattern: re.Pattern[str], folded: str, terms: Sequence[str], *,
                limit: int = 2000) -> re.Match[str] | None:
    """The first match that starts the densest run of distinct query terms (about a phrase's length).

    "gia dinh hoc tap" then lands on “Gia đình học tập” rather than on the first “học” of the text.
    """
    return _best_of(pattern.finditer(folded), terms, limit=limit)


def _best_of(found: Iterator[re.Match[str]], terms: Sequence[str], *, limit: int = 2000) -> re.Match[str] | None:
    """``_best_match`` over ``found``, the matches in text order, read lazily: a match is judged as
    soon as a later one lies beyond its run, and the first run holding every term ends the reading,
    so a long body is folded and scanned only as far as that run (the same match as reading all)."""
    span = sum(len(t) + 8 for t in terms)  # the terms side by side, with room for longer word forms
    kept: list[re.Match[str]] = []
    starts: list[int] = []
    term_of: list[int] = []  # the query term each match starts with
    known: dict[str, int] = {}
    best: re.Match[str] | None = None
    best_score, judged, wanted = 0, 0, len(terms)
    for m in itertools.chain(itertools.islice(found, limit), (None,)):
        # None: the end; else judge the pending matches whose run ends before m. Matches come in
        # text order: a run ends at the first one beyond the span (a word found in every sentence
        # made comparing every pair quadratic: ~2,000 matches).
        upto = m.start() if m is not None else None
        while judged < len(starts) and (upto is None or starts[judged] + span < upto):
            end = bisect.bisect_right(starts, starts[judged] + span, judged)
            score = len(set(term_of[judged:end]))
            if score > best_score:
                best, best_score = kept[judged], score
                if best_score == wanted:
                    return best
            judged += 1
        if m is None:
            break
        text = m.group(0)
        index = known.get(text)
        if index is None:
            index = known[text] = _term_index(text, terms)
        kept.append(m)
        starts.append(m.start())
        term_of.append(index)
    return best


_CHUNK_CHARS = 2048


class _LazyFold:
    """The folded body, folded a chunk at a time as matching reads on (bodies folding char for char).

    Chunks end after a whitespace character, which folds to itself: a match (word characters
    only) never spans two chunks, so matching chunk by chunk finds what matching the whole
    folded body would. ``failed``: a character folds to more or fewer than one character, so
    positions would shift; the caller folds the whole body with ``fold_map`` instead.
    """

    def __init__(self, body: str, pattern: re.Pattern[str]) -> None:
        self.body, self.pattern = body, pattern
        self.folded = ""
        self.failed = False

    def extend_to(self, position: int) -> bool:
        """Fold at least through ``position`` (and to a chunk end); False at the end of the body."""
        body = self.body
        while len(self.folded) <= position:
            start = len(self.folded)
            if start >= len(body):
                return False
            cut = start + _CHUNK_CHARS
            if cut < len(body):
                # After the next whitespace (or the body's end): a long unbroken run stays whole.
                space = _SPACE_RE.search(body, cut)
                cut = space.end() if space else len(body)
            chunk = body[start:cut]
            table = _tables_for(chunk)[0]
            folded = chunk.translate(table)
            if len(folded) != len(chunk) or not _IRREGULAR.isdisjoint(chunk):
                self.failed = True
                return False
            self.folded += folded
        return True

    def matches(self, start: int = 0, until: int | None = None) -> Iterator[re.Match[str]]:
        """The pattern's matches in the folded body from ``start``, folding as needed; with
        ``until``, at least those starting before it."""
        pos = start
        while self.extend_to(pos) or pos < len(self.folded):
            end = len(self.folded)
            yield from self.pattern.finditer(self.folded, pos, end)
            if self.failed or end >= len(self.body) or (until is not None and end > until):
                return
            pos = end


def snippet_html(body: str, terms: Sequence[str], n_words: int = SNIPPET_WORDS) -> str:
    """About ``n_words`` words of ``body`` around the first match, HTML-escaped.

    Matched words are wrapped in ``<mark>`` on the *original* (diacritic) text;
    without a match in ``body`` (a title-only hit, or no terms) it is the opening words.
    The body is folded and scanned only as far as the snippet needs (a page of 20 long
    bodies: folding and scanning every one whole was most of a search's time).
    """
    body = clean(body)
    if not terms:
        return _snippet(body, terms, n_words, None, None, None)
    pattern = _term_pattern(terms)
    lazy = _LazyFold(body, pattern)
    first = _best_of(lazy.matches(), terms)
    if not lazy.failed:
        found = _snippet(body, terms, n_words, pattern, first, lazy)
        if not lazy.failed:
            return found
    folded, origin = fold_map(body)
    first = _best_match(pattern, folded, terms)
    return _snippet(body, terms, n_words, pattern, first, (folded, origin))


def _snippet(
    body: str, terms: Sequence[str], n_words: int, pattern: re.Pattern[str] | None, first: re.Match[str] | None,
    folding: _LazyFold | tuple[str, list[int] | None] | None,
) -> str:
    """The snippet around ``first``; ``folding``: the lazily folded body, or (folded, origin) of
    ``fold_map``."""
    origin = folding[1] if isinstance(folding, tuple) else None
    anchor = _original_span(first.start(), first.end(), origin, body)[0] if first else 0
    # The anchor's own word, plus some words before it.
    word_start = _words_before(body, anchor + 1, 1) if first else 0
    window_start = _words_before(body, word_start, SNIPPET_WORDS_BEFORE) if first else 0
    ends: list[int] = []
    for m in _NON_SPACE_RE.finditer(body, window_start):
        if not ends:
            window_start = m.start()
        ends.append(m.end())
        if len(ends) >= n_words:
            break
    if not ends:
        return ""
    window_end = ends[-1]

    parts: list[str] = ["… "] if window_start > 0 and body[:window_start].strip() else []
    pos = window_start
    if pattern and folding is not None:
        f_start = window_start if origin is None else bisect.bisect_left(origin, window_start)
        found = (pattern.finditer(folding[0], f_start) if isinstance(folding, tuple)
                 else folding.matches(f_start, window_end))
        for m in found:
            m_start, m_end = _original_span(m.start(), m.end(), origin, body)
            if m_start >= window_end:
                break
            m_end = min(m_end, window_end)
            parts.append(_escape(body[pos:m_start]))
            parts.append(f"<mark>{_escape(body[m_start:m_end])}</mark>")
            pos = m_end
        if isinstance(folding, _LazyFold) and folding.failed:
            return ""
    parts.append(_escape(body[pos:window_end]))
    if body[window_end:].strip():
        parts.append(" …")
    return "".join(parts)
