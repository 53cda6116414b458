"""The web layer words the core's error codes in Vietnamese; the core may raise by code alone."""
from __future__ import annotations

from khuyenhoc_docs import signing
from khuyenhoc_docs.access import ensure
from khuyenhoc_docs.errors import Forbidden, NotFound
from khuyenhoc_docs.web.messages import CODE_MESSAGES, message_for
from khuyenhoc_docs.workflow.signing import SigningRefused


def test_a_refusal_by_code_is_worded_by_the_web_layer():
    try:
        ensure(None, "document.view")
    except Forbidden as exc:
        assert exc.code == "forbidden" and exc.message == ""
        assert message_for(exc) == "Bạn không có quyền thực hiện thao tác này."
    else:
        raise AssertionError("ensure(None, ...) must refuse")


def test_errors_without_a_mapped_code_keep_their_own_message():
    assert message_for(NotFound("Không tìm thấy văn bản.")) == "Không tìm thấy văn bản."


def test_signing_refusal_codes_are_core_error_names():
    for code in ("WrongPassphrase", "WrongPin", "KeyFileInvalid", "FieldAlreadySigned"):
        assert issubclass(getattr(signing, code), signing.SignatureCoreError)
        assert message_for(SigningRefused("fallback", code=code)) == CODE_MESSAGES[code]
