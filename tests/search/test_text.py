"""Folding, tokenizing and snippets (pure Python, no database)."""
from __future__ import annotations

import html as html_lib
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khuyenhoc_docs.errors import ValidationFailed
from khuyenhoc_docs.search.text import (
    MAX_TERM_CHARS,
    MAX_TERMS,
    WORD_RE,
    SearchQueryInvalid,
    clean,
    fold,
    fold_map,
    index_text,
    snippet_html,
    tokenize,
    words,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Khuyến học", "khuyen hoc"),
        ("Gia đình học tập", "gia dinh hoc tap"),
        ("ĐOÀN TNCS Hồ Chí Minh", "doan tncs ho chi minh"),
        ("Ðoàn", "doan"),  # U+00D0, often typed for Đ
        ("  xã\thội \n\n học   tập ", "xa hoi hoc tap"),
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),  # casefold adds U+0307; it must go too
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_is_the_same_for_nfc_and_nfd_input() -> None:
    text = "Hội Khuyến học tỉnh Bến Tre"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text) == "hoi khuyen hoc tinh ben tre"


def test_fold_map_points_back_to_the_original_characters() -> None:
    text = "Khuye\u0302\u0301n ß"  # decomposed ế, and ß → ss
    folded, origin = fold_map(text)
    assert folded == "khuyen ss"
    assert origin is not None
    assert [text[i] for i in origin] == ["K", "h", "u", "y", "e", "n", " ", "ß", "ß"]


def test_fold_map_identity_fast_path() -> None:
    folded, origin = fold_map("Hội Khuyến học")
    assert (folded, origin) == ("hoi khuyen hoc", None)


def test_tokenize_drops_operators_punctuation_and_bad_characters() -> None:
    assert tokenize('"Khuyến học" AND (tài:*) NEAR/3 \x00 \ud800 😀 %_') == [
        "khuyen", "hoc", "and", "tai", "near", "3",
    ]


def test_tokenize_limits_terms_and_term_length() -> None:
    terms = tokenize(" ".join(f"w{i}" for i in range(100)))
    assert len(terms) == MAX_TERMS
    assert tokenize("a" * 200) == ["a" * MAX_TERM_CHARS]


def test_tokenize_deduplicates() -> None:
    assert tokenize("học HỌC hoc") == ["hoc"]


def test_tokenize_rejects_long_queries_with_a_vietnamese_message() -> None:
    assert tokenize("x" * 500) == ["x" * MAX_TERM_CHARS]
    with pytest.raises(SearchQueryInvalid) as caught:
        tokenize("x" * 501)
    assert "quá dài" in caught.value.message
    assert isinstance(caught.value, ValidationFailed)  # the web layer maps it to 422


def test_index_text_is_space_separated_folded_words() -> None:
    assert index_text("Số 40/CTPH-HKVN", "Hội Khuyến học!") == "so 40 ctph hkvn hoi khuyen hoc"
    assert "x" * 300 not in index_text("a " + "x" * 300 + " b")


def test_snippet_marks_the_original_diacritic_word() -> None:
    html = snippet_html("Hội Khuyến học tỉnh Bến Tre", ["khuyen", "ben"])
    assert html == "Hội <mark>Khuyến</mark> học tỉnh <mark>Bến</mark> Tre"


def test_snippet_marks_whole_word_for_a_prefix_and_only_at_word_start() -> None:
    html = snippet_html("xây dựng xã hội học tập", ["ho"])
    assert html == "xây dựng xã <mark>hội</mark> <mark>học</mark> tập"
    assert "<mark>" not in snippet_html("Chương trình", ["uong"])


def test_snippet_on_decomposed_text_keeps_marks_inside_the_highlight() -> None:
    html = snippet_html("Hội Khuye\u0302\u0301n học", ["khuyen"])
    assert html == "Hội <mark>Khuyến</mark> học"  # cleaned to NFC, whole word marked


def test_snippet_escapes_html() -> None:
    html = snippet_html('<script>alert("x")</script> & khuyến học', ["hoc"])
    assert html == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; khuyến <mark>học</mark>"


def test_snippet_is_a_window_around_the_first_match() -> None:
    body = " ".join(f"từ{i}" for i in range(1000)) + " Khuyến học " + " ".join(f"sau{i}" for i in range(100))
    html = snippet_html(body, ["khuyen"])
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>Khuyến</mark>" in html
    visible = html.replace("<mark>", "").replace("</mark>", "").strip("… ").split()
    assert len(visible) == 30
    assert "từ989" not in html and "từ990" in html  # 10 words of context before


def test_snippet_without_match_is_the_opening() -> None:
    assert snippet_html("Một hai ba", ["khong"]) == "Một hai ba"
    long = " ".join(f"w{i}" for i in range(100))
    assert snippet_html("  " + long, []) == " ".join(f"w{i}" for i in range(30)) + " …"
    assert snippet_html("", ["x"]) == ""
    assert snippet_html("a\n\nb", []) == "a b"


# -- properties ------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)
VIETNAMESE = st.text(st.sampled_from(list("aăâeêioôơuưyđAĂÂĐ áàảãạếềểễệ ốồổỗộ ớờởỡợ ứừửữự\u0301\u0300\u0303ß İ.,;-")),
                     max_size=200)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_words_equal_the_regex_definition_over_folded_text(text: str) -> None:
    assert words(text) == WORD_RE.findall(fold(text))
    assert fold(fold(text)) == fold(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, VIETNAMESE))
def test_fold_map_agrees_with_fold(text: str) -> None:
    text = clean(text)
    folded, origin = fold_map(text)
    assert " ".join(folded.split()) == fold(text)
    if origin is not None:
        assert len(origin) == len(folded) and origin == sorted(origin)


@settings(max_examples=300, deadline=None)
@given(st.one_of(ANY_TEXT, VIETNAMESE), st.lists(st.sampled_from(["a", "e", "d", "hoc", "ss", "i"]), max_size=3))
def test_snippet_marks_only_matching_words_and_keeps_the_text(text: str, terms: list[str]) -> None:
    out = snippet_html(text, terms)
    for marked in re.findall(r"<mark>(.*?)</mark>", out):
        assert any(fold(html_lib.unescape(marked)).startswith(t) for t in terms)
    plain = html_lib.unescape(out.replace("<mark>", "").replace("</mark>", "")).strip("… ")
    assert plain in " ".join(clean(text).split())
    assert "<" not in out.replace("<mark>", "").replace("</mark>", "")


def test_snippet_centres_on_the_phrase_not_the_first_common_word():
    from khuyenhoc_docs.search.text import snippet_html, tokenize

    body = ("HỘI KHUYẾN HỌC TỈNH BẾN TRE " + "nội dung học tập " * 20 +
            "xây dựng các mô hình “Gia đình học tập”, “Dòng họ học tập” tại nơi cư trú")
    html = snippet_html(body, tokenize("gia dinh hoc tap"))
    assert "<mark>Gia</mark> <mark>đình</mark> <mark>học</mark> <mark>tập</mark>" in html
    assert "TỈNH BẾN TRE" not in html


def test_best_match_is_the_densest_run_as_before() -> None:
    """The early-stopping scan picks the same match as comparing every pair of matches."""
    import random

    from khuyenhoc_docs.search.text import _best_match, _term_pattern

    def reference(pattern, folded, terms):  # the former quadratic form
        matches = [(m, next((i for i, t in enumerate(terms) if m.group(0).startswith(t)), -1))
                   for m in pattern.finditer(folded)][:2000]
        span = sum(len(t) + 8 for t in terms)
        best, best_score = None, 0
        for i, (m, _) in enumerate(matches):
            seen = {term for n, term in matches[i:] if n.start() - m.start() <= span}
            if len(seen) > best_score:
                best, best_score = m, len(seen)
                if best_score == len(terms):
                    break
        return best

    rng = random.Random(16)
    vocabulary = ["hoc", "tap", "khuyen", "tai", "gia", "dinh", "dong", "ho", "xa", "hoi", "ban", "thuong", "vu",
                  "tinh", "doan", "a", "b"]
    for _ in range(300):
        folded = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 400)))
        terms = rng.sample(vocabulary, rng.randint(1, 4))
        pattern = _term_pattern(terms)
        got, want = _best_match(pattern, folded, terms), reference(pattern, folded, terms)
        assert (got and got.span()) == (want and want.span())
