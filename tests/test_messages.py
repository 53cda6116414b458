"""The web layer words the core's error codes in Vietnamese; the core raises by code alone."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from khuyenhoc_docs import signing
from khuyenhoc_docs.access import ensure
from khuyenhoc_docs.errors import Conflict, DomainError, Forbidden, NotFound, Problem, ValidationFailed
from khuyenhoc_docs.web.messages import CODE_MESSAGES, message_for
from khuyenhoc_docs.workflow.signing import SigningRefused

ROOT = Path(__file__).resolve().parents[1] / "khuyenhoc_docs"
VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)


def test_a_refusal_by_code_is_worded_by_the_web_layer():
    try:
        ensure(None, "document.view")
    except Forbidden as exc:
        assert exc.code == "forbidden" and exc.params == {}
        assert message_for(exc) == exc.message == "Bạn không có quyền thực hiện thao tác này."
    else:
        raise AssertionError("ensure(None, ...) must refuse")


def test_errors_without_a_mapped_code_keep_their_own_message():
    assert message_for(NotFound("Không tìm thấy văn bản.")) == "Không tìm thấy văn bản."
    assert NotFound(code="no_such_code").message == "no_such_code"


def test_params_fill_the_wording():
    exc = Conflict(code="not_your_turn", params={"signer_name": "Nguyễn Văn A"})
    assert exc.message == str(exc) == "Chưa đến lượt ký: chờ Nguyễn Văn A ký trước."
    # a raise site that forgot a value still shows the sentence rather than failing
    assert "{signer_name}" in Conflict(code="not_your_turn").message


def test_signing_refusal_codes_are_core_error_names():
    for code in ("WrongPassphrase", "WrongPin", "KeyFileInvalid", "FieldAlreadySigned"):
        assert issubclass(getattr(signing, code), signing.SignatureCoreError)
        assert message_for(SigningRefused("fallback", code=code)) == CODE_MESSAGES[code]


def _core_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "web" not in p.relative_to(ROOT).parts)


def _raises(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            yield node.exc


def _vietnamese_message(call: ast.Call) -> str | None:
    """Vietnamese text passed as the message (positional, ``message=`` or ``reason_vi=``), if any."""
    given = list(call.args) + [k.value for k in call.keywords if k.arg in ("message", "reason_vi")]
    for arg in given:
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and VIETNAMESE.search(sub.value):
                return sub.value
    return None


def _exception_names() -> set[str]:
    """The core's exception classes, by name (derived from a built-in exception, to a fixpoint)."""
    names = {"Exception", "ValueError", "TimeoutError", "BaseException"}
    classes = [node for path in _core_files() for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for cls in classes:
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in cls.bases}
            if cls.name not in names and bases & names:
                names.add(cls.name)
                grew = True
    return names


def _named_codes(tree: ast.AST, exceptions: set[str]):
    """(line, code) of every literal wording key the core names: ``code=``/``reason_code=`` of an
    exception (``reason=`` of ``TemplateInvalid``, whose ``code`` is a kind of problem), and the first
    argument of ``Problem(…)``/``describe(…)``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        keys = ("reason",) if name == "TemplateInvalid" else ("code", "reason_code") if name in exceptions else ()
        values = [k.value for k in node.keywords if k.arg in keys]
        if name in ("Problem", "describe", "_refused") and node.args:
            values.append(node.args[0])
        for value in values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                yield node.lineno, value.value


def test_the_core_raises_errors_by_code_not_in_vietnamese():
    found = []
    for path in _core_files():
        for call in _raises(ast.parse(path.read_text())):
            if (text := _vietnamese_message(call)) is not None:
                found.append(f"{path.relative_to(ROOT)}:{call.lineno}: {text}")
    assert not found, "raise with a code worded in web/messages/ instead:\n" + "\n".join(found)


def test_every_code_the_core_names_is_worded():
    exceptions = _exception_names()
    assert {"SigningRefused", "EdxmlInvalid", "InvalidRecipient", "InvalidPdf", "TemplateInvalid"} <= exceptions
    unknown = [f"{path.relative_to(ROOT)}:{line}: {code}" for path in _core_files()
               for line, code in _named_codes(ast.parse(path.read_text()), exceptions) if code not in CODE_MESSAGES]
    assert not unknown, "codes without words in web/messages/:\n" + "\n".join(unknown)


def test_the_scan_sees_a_vietnamese_message():
    call = ast.parse('raise ValidationFailed("Thiếu tiêu đề.", fields={})').body[0].exc
    assert _vietnamese_message(call) == "Thiếu tiêu đề."
    assert _vietnamese_message(ast.parse('raise ValidationFailed(code="x")').body[0].exc) is None


def test_every_worded_code_is_raised_somewhere():
    sources = "\n".join(p.read_text() for p in ROOT.rglob("*.py") if "messages" not in p.relative_to(ROOT).parts)
    unused = [code for code in CODE_MESSAGES
              if f'"{code}"' not in sources and f"class {code}(" not in sources]
    assert not unused, f"codes worded in web/messages/ but never raised: {unused}"


def test_each_code_is_worded_in_one_area_table():
    from khuyenhoc_docs.web.messages import admin, documents, exchange, signing

    tables = [documents.MESSAGES, signing.MESSAGES, exchange.MESSAGES, admin.MESSAGES]
    assert sum(len(t) for t in tables) == len(CODE_MESSAGES)


@pytest.mark.parametrize("code", sorted(CODE_MESSAGES))
def test_every_wording_is_vietnamese_and_formats(code):
    text = CODE_MESSAGES[code]
    words = re.sub(r"\{[^}]*\}", "", text)
    assert VIETNAMESE.search(words) or len(words.split()) <= 1, code  # Vietnamese, or a bare word ("Trang")
    placeholders = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    worded = ValidationFailed(code=code, params=dict.fromkeys(placeholders, _Value())).message
    assert "{" not in worded.replace("{{", "").replace("{%", ""), worded  # every placeholder filled


class _Value:
    """A value any format spec accepts (":g", ":%d/%m/%Y"…)."""

    def __format__(self, spec: str) -> str:
        return "1"


def test_the_wording_reaches_code_that_only_catches_domain_errors():
    try:
        raise ValidationFailed(code="batch_empty")
    except DomainError as exc:
        assert str(exc) == "Chưa chọn văn bản nào để ký."


def test_a_field_problem_reads_as_its_words_and_keeps_its_code():
    problem = Problem("draft_field", field="Trích yếu", problem=Problem("draft_required"))
    assert problem == "Trích yếu: bắt buộc nhập." and problem.code == "draft_field"
    assert ValidationFailed(code="fields_invalid", fields={"summary": problem}).fields == {"summary": problem}


def test_signing_edxml_mail_and_template_errors_are_worded_from_codes():
    from khuyenhoc_docs.distribution.addresses import validate_address
    from khuyenhoc_docs.drafting.templates import TemplateInvalid
    from khuyenhoc_docs.edxml import EdxmlInvalid

    assert signing.InvalidPdf(code="pdf_truncated", detail="x").reason_vi == "Tệp PDF bị cắt cụt (không đầy đủ)."
    assert signing.WrongPin().reason_vi == CODE_MESSAGES["WrongPin"]
    assert EdxmlInvalid(code="edxml_too_large").reason_vi == "Gói tin edXML quá lớn."
    assert TemplateInvalid(code="corrupt", reason="docx_corrupt").message == CODE_MESSAGES["docx_corrupt"]
    try:
        validate_address("a@b@c")
    except Exception as exc:  # noqa: BLE001  (InvalidRecipient)
        assert str(exc).startswith("Mỗi người nhận chỉ được có một địa chỉ thư điện tử (đã nhập: a@b@c).")
    else:
        raise AssertionError("two @ must be refused")


def test_a_process_without_the_web_layer_still_words_codes():
    """The worker and scripts never import the web app: ``errors.describe`` loads the table itself."""
    import subprocess
    import sys

    code = ("import sys; from khuyenhoc_docs.errors import NotFound; "
            "assert 'khuyenhoc_docs.web.messages' not in sys.modules; "
            "assert 'flask' not in sys.modules; "
            "print(NotFound(code='document_not_found').message); "
            "assert 'flask' not in sys.modules")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Không tìm thấy văn bản."
