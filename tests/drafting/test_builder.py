"""The template builder: reproducible output, and the committed templates are its current output."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from khuyenhoc_docs.drafting.builder import build_all, build_template, main
from khuyenhoc_docs.drafting.templates import TemplateKind

from .conftest import TEMPLATES


@pytest.mark.parametrize("kind", list(TemplateKind))
def test_committed_template_is_the_builder_output(kind: TemplateKind) -> None:
    built = build_template(kind)
    assert built == build_template(kind), "builder output is not deterministic"
    assert (TEMPLATES / kind.filename).read_bytes() == built, (
        f"templates/{kind.filename} is stale: run `.venv/bin/python -m khuyenhoc_docs.drafting.builder templates/`")


def test_templates_carry_no_thumbnail_and_fixed_timestamps() -> None:
    zf = zipfile.ZipFile(io.BytesIO(build_template(TemplateKind.PROGRAMME_PROVINCE)))
    assert not [n for n in zf.namelist() if "thumbnail" in n]
    assert {i.date_time for i in zf.infolist()} == {(2024, 1, 1, 0, 0, 0)}
    doc = Document(io.BytesIO(zf.fp.getvalue()))  # type: ignore[union-attr]
    assert doc.core_properties.title == "Chương trình phối hợp cấp tỉnh"


def test_template_bodies_differ_by_kind() -> None:
    texts = {k: "\n".join(p.text for p in Document(io.BytesIO(build_template(k))).paragraphs) for k in TemplateKind}
    assert "Thực hiện {{ parent_citation }}, {{r preamble }}" in texts[TemplateKind.PROGRAMME_DISTRICT]
    assert "{% if parent_citation %}" in texts[TemplateKind.PROGRAMME_PROVINCE]
    assert "III. TỔ CHỨC THỰC HIỆN" in texts[TemplateKind.PROGRAMME_GRASSROOTS]
    assert "Điều 4. Điều khoản thi hành" in texts[TemplateKind.AGREEMENT]
    assert "{{ report_deadline }}" not in texts[TemplateKind.PROGRAMME_PROVINCE]


def test_cli_writes_all_four(tmp_path, capsys) -> None:
    assert main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(k.filename for k in TemplateKind)
    assert "wrote" in capsys.readouterr().out
    assert main([]) == 2
    assert set(build_all(tmp_path / "x")) == set(TemplateKind)
