"""Template inspection and validation: the generated templates pass, hostile or broken uploads are refused."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from docxtpl import DocxTemplate

from khuyenhoc_docs.drafting.container import MAX_UNCOMPRESSED
from khuyenhoc_docs.drafting.templates import (
    TemplateInvalid,
    TemplateKind,
    inspect_template,
    validate_template,
)

from .conftest import docx_with_paragraphs, zip_of

PROVINCE = TemplateKind.PROGRAMME_PROVINCE


@pytest.mark.parametrize("kind", list(TemplateKind))
def test_each_generated_template_validates_against_its_kind(template_bytes, kind: TemplateKind) -> None:
    info = validate_template(template_bytes(kind), kind)
    assert info.placeholders >= kind.required
    assert info.placeholders <= kind.allowed
    assert info.loop_depth == 2
    # Our scan sees at least what docxtpl itself reports (plus footnotes and core properties).
    assert set(DocxTemplate(io.BytesIO(template_bytes(kind))).get_undeclared_template_variables()) <= info.placeholders


def test_kind_mismatch_lists_the_missing_placeholders(template_bytes) -> None:
    with pytest.raises(TemplateInvalid) as exc:
        validate_template(template_bytes(PROVINCE), TemplateKind.PROGRAMME_DISTRICT)
    assert exc.value.missing == {"report_to", "report_deadline"}
    assert "{{ report_deadline }}" in exc.value.message and "{{ report_to }}" in exc.value.message


def test_kind_accepts_its_string_value(template_bytes) -> None:
    validate_template(template_bytes(TemplateKind.AGREEMENT), "agreement")


def _refused(data: bytes, code: str, kind: TemplateKind = PROVINCE) -> TemplateInvalid:
    with pytest.raises(TemplateInvalid) as exc:
        validate_template(data, kind)
    assert exc.value.code == code, exc.value.message
    return exc.value


def test_random_bytes_are_refused() -> None:
    err = _refused(os.urandom(4096), "not_docx")
    assert "không phải là tệp Word" in err.message
    _refused(b"", "not_docx")


def test_zip_without_document_xml_is_refused() -> None:
    err = _refused(zip_of({"[Content_Types].xml": b"<Types/>", "hello.txt": b"hi"}), "not_docx")
    assert "word/document.xml" in err.message


def test_corrupt_xml_is_refused(template_bytes) -> None:
    src = zipfile.ZipFile(io.BytesIO(template_bytes(PROVINCE)))
    members = {i.filename: src.read(i) for i in src.infolist()}
    members["word/document.xml"] = members["word/document.xml"][:-40]
    assert "word/document.xml" in _refused(zip_of(members), "corrupt").message


def test_doctype_entity_expansion_is_refused(template_bytes) -> None:
    src = zipfile.ZipFile(io.BytesIO(template_bytes(PROVINCE)))
    members = {i.filename: src.read(i) for i in src.infolist()}
    members["word/document.xml"] = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                                    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>')
    assert "DOCTYPE" in _refused(zip_of(members), "corrupt").message


_XXE = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>'


@pytest.mark.parametrize(("part", "enc"), [
    ("word/document.xml", "utf-16"), ("word/styles.xml", "utf-16-be"), ("customXml/item1.xml", "utf-16"),
    ("word/_rels/document.xml.rels", "utf-32"), ("word/embedded.bin", "utf-16"), ("word/settings.xml", "utf-8"),
])
def test_doctype_in_any_encoding_or_part_is_refused(template_bytes, part: str, enc: str) -> None:
    """Issue 14 item 23: a byte search for "<!DOCTYPE" missed a UTF-16 part; the parser decides now."""
    src = zipfile.ZipFile(io.BytesIO(template_bytes(PROVINCE)))
    members = {i.filename: src.read(i) for i in src.infolist()}
    members[part] = _XXE.format(enc=enc.upper()).encode(enc)
    err = _refused(zip_of(members), "corrupt")
    assert "DOCTYPE" in err.message and part in err.message


def test_zip_bomb_over_50_mb_is_refused_before_decompressing() -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(MAX_UNCOMPRESSED // len(chunk) + 10):
                fh.write(chunk)
    data = bomb.getvalue()
    assert len(data) < 200_000  # small on disk, > 50 MB inflated
    err = _refused(data, "zip_bomb")
    assert "50 MB" in err.message


def test_absurd_compression_ratio_is_refused() -> None:
    data = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<a/>", "word/media/x.bin": b"\0" * 20_000_000})
    assert "tỉ lệ nén" in _refused(data, "zip_bomb").message


def test_broken_placeholder_syntax_is_refused(template_bytes) -> None:
    data = docx_with_paragraphs(template_bytes(PROVINCE), add=["Chỗ điền hỏng: {{ broken"])
    err = _refused(data, "syntax")
    assert "lỗi cú pháp" in err.message


def test_missing_required_placeholder_is_refused(template_bytes) -> None:
    data = docx_with_paragraphs(template_bytes(PROVINCE), drop_containing="{{ summary }}")
    err = _refused(data, "placeholders")
    assert err.missing == {"summary"} and not err.unknown
    assert "thiếu chỗ điền bắt buộc: {{ summary }}" in err.message


def test_unknown_placeholder_is_refused(template_bytes) -> None:
    data = docx_with_paragraphs(template_bytes(PROVINCE), add=["{{ hacker }}"])
    err = _refused(data, "placeholders")
    assert err.unknown == {"hacker"} and not err.missing
    assert "không được hỗ trợ: {{ hacker }}" in err.message


def test_missing_and_unknown_are_listed_together(template_bytes) -> None:
    data = docx_with_paragraphs(template_bytes(PROVINCE), add=["{{ hacker }}"], drop_containing="{{r closing }}")
    err = _refused(data, "placeholders")
    assert (err.missing, err.unknown) == ({"closing"}, {"hacker"})
    assert "{{ closing }}" in err.message and "{{ hacker }}" in err.message


@pytest.mark.parametrize(("text", "code"), [
    ("{{ summary.__class__.__mro__ }}", "render"),  # sandbox: no dunder attributes
    ('{{ summary * 100000000 }}', "render"),  # repetition capped
    ("{{ purposes * 1000 }}", "render"),
    ('{{ "%999999999s" % summary }}', "render"),
    ("{{ 99 ** 99999 }}", "render"),
    ("{{ summary.center(100000000) }}", "render"),  # no method calls at all
    ("{{ doc_type.upper() }}", "render"),
    # Issue 14 item 22: str.format escapes the size cap; method attributes printed memory addresses.
    ("{{ '{0:>20000000}'.format(summary) }}", "forbidden"),
    ("{{ summary.format }}", "forbidden"),
    ("{{ summary['format_map'] }}", "forbidden"),
    ("{{ summary.center }}", "render"),  # a callable attribute, even uncalled, refuses the template
    ("{% set s = summary ~ summary %}{{ s }}", "forbidden"),  # no variables: no doubling chains
    ("{% with s = summary %}{{ s }}{% endwith %}", "forbidden"),
    ("{% macro m() %}{{ m() }}{% endmacro %}", "forbidden"),
    ("{% for p in purposes recursive %}{{ loop(p) }}{% endfor %}", "forbidden"),
    ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "forbidden"),  # parser recursion
    ("{% for i in range(10) %}x{% endfor %}", "placeholders"),  # no globals: range is unknown
    ('{% include "x.xml" %}', "forbidden"),
    ("{{ summary|center(100000000) }}", "forbidden"),  # filter not on the safe list
    ("{% for a in purposes %}{% for b in purposes %}{% for c in purposes %}{% for d in purposes %}"
     "{% endfor %}{% endfor %}{% endfor %}{% endfor %}", "forbidden"),  # loops nested too deep
])
def test_hostile_jinja_is_refused(template_bytes, text: str, code: str) -> None:
    _refused(docx_with_paragraphs(template_bytes(PROVINCE), add=[text]), code)


@pytest.mark.parametrize("source", ["{{ x.format }}", "{{ x['format'] }}", "{{ (x|string).format_map }}",
                                    "{{ '{0:>20000000}'.format(x)|length }}", "{{ x.upper }}"])
def test_sandbox_never_hands_out_format_or_methods(source: str) -> None:
    """Issue 14 item 22: at run time too (the AST check is the first line, this the second)."""
    from jinja2.exceptions import SecurityError

    from khuyenhoc_docs.drafting.templates import sandbox_env

    with pytest.raises(SecurityError):
        sandbox_env().from_string(source).render(x="ab")


def test_safe_filters_and_loop_attributes_still_work(template_bytes) -> None:
    data = docx_with_paragraphs(template_bytes(PROVINCE), add=[
        "{{ doc_type|lower|capitalize }} {{ purposes|length }} {{ period|default('—') }} {{ place * 2 }}",
        "{%p for p in recipients %}", "{{ loop.index }}/{{ loop.length }} {{ p|upper }}", "{%p endfor %}"])
    validate_template(data, PROVINCE)


def test_rich_text_written_without_r_is_refused(template_bytes) -> None:
    data = docx_with_paragraphs(template_bytes(PROVINCE), add=["{{ preamble }}"])
    assert "{{r preamble }}" in _refused(data, "syntax").message


def test_rich_loop_item_written_without_r_is_caught_by_the_trial_render(template_bytes) -> None:
    data = docx_with_paragraphs(template_bytes(PROVINCE), add=["{%p for p in purposes %}", "- {{ p }}", "{%p endfor %}"])
    assert "{{r" in _refused(data, "render").message


def test_inspect_reports_placeholders_of_headers_and_core_properties(template_bytes) -> None:
    from docx import Document

    doc = Document(io.BytesIO(template_bytes(PROVINCE)))
    doc.sections[0].footer.paragraphs[0].text = "{{ period }}"
    doc.core_properties.title = "{{ place }}"
    out = io.BytesIO()
    doc.save(out)
    info = inspect_template(out.getvalue())
    assert {"period", "place"} <= info.placeholders
    assert any(p.startswith("word/footer") for p in info.parts)
