"""The web layer words the core's error codes in Vietnamese; the core raises by code alone."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from khuyenhoc_docs import signing
from khuyenhoc_docs.access import ensure
from khuyenhoc_docs.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
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


def _domain_error_names() -> set[str]:
    """DomainError and every class the core derives from it (by name, to a fixpoint)."""
    names = {"DomainError", "ValidationFailed", "NotFound", "Forbidden", "Conflict", "ServiceUnavailable"}
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


def _domain_raises(tree: ast.AST, names: set[str]):
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in names:
                yield node.exc


def _vietnamese_message(call: ast.Call) -> str | None:
    """Vietnamese text passed as the message (positional or ``message=``), if any."""
    given = list(call.args) + [k.value for k in call.keywords if k.arg == "message"]
    for arg in given:
        for sub in ast.walk(arg):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and VIETNAMESE.search(sub.value):
                return sub.value
    return None


def test_the_core_raises_domain_errors_by_code_not_in_vietnamese():
    names = _domain_error_names()
    assert {"SigningRefused", "PackageRefused", "SearchQueryInvalid"} <= names
    found = []
    for path in _core_files():
        for call in _domain_raises(ast.parse(path.read_text()), names):
            text = _vietnamese_message(call)
            code = next((k.value for k in call.keywords if k.arg == "code"), None)
            mapped = isinstance(code, ast.Constant) and code.value in CODE_MESSAGES
            if text is not None or (isinstance(code, ast.Constant) and not mapped):
                found.append(f"{path.relative_to(ROOT)}:{call.lineno}: {text or code.value}")
    assert not found, "raise with a code worded in web/messages.py:\n" + "\n".join(found)


def test_the_scan_sees_a_vietnamese_message():
    call = ast.parse('raise ValidationFailed("Thiếu tiêu đề.", fields={})').body[0].exc
    assert _vietnamese_message(call) == "Thiếu tiêu đề."
    assert _vietnamese_message(ast.parse('raise ValidationFailed(code="x")').body[0].exc) is None


def test_every_worded_code_is_raised_somewhere():
    sources = "\n".join(p.read_text() for p in ROOT.rglob("*.py") if p.name != "messages.py")
    unused = [code for code in CODE_MESSAGES
              if f'"{code}"' not in sources and f"class {code}(" not in sources]
    assert not unused, f"codes worded in web/messages.py but never raised: {unused}"


@pytest.mark.parametrize("code", sorted(CODE_MESSAGES))
def test_every_wording_is_vietnamese_and_formats(code):
    text = CODE_MESSAGES[code]
    assert VIETNAMESE.search(text), code
    placeholders = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    assert ValidationFailed(code=code, params=dict.fromkeys(placeholders, "x")).message  # formats


def test_the_wording_reaches_code_that_only_catches_domain_errors():
    try:
        raise ValidationFailed(code="batch_empty")
    except DomainError as exc:
        assert str(exc) == "Chưa chọn văn bản nào để ký."
