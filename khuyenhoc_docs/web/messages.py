"""Vietnamese text for the error codes the core raises (``DomainError.code``).

The web layer words errors here; a code without an entry shows the error's own message.
"""
from __future__ import annotations

from ..errors import DomainError

CODE_MESSAGES: dict[str, str] = {
    "forbidden": "Bạn không có quyền thực hiện thao tác này.",
    # Signing refusals (workflow.signing.SigningRefused carries the core error's class name)
    "WrongPassphrase": "Mật khẩu tệp chứng thư số (PKCS#12) không đúng.",
    "WrongPin": "Mã PIN của thiết bị ký số (token) không đúng.",
    "KeyFileInvalid": "Tệp chứng thư số không hợp lệ hoặc bị hỏng.",
    "FieldAlreadySigned": "Ô chữ ký này đã được ký.",
    # Certified copies (workflow.copies)
    "copy_kind": "Hình thức sao phải là sao y (sao_y) hoặc trích sao (trich_sao).",
    "copy_pages": "Bản sao y gồm toàn bộ văn bản; để sao một số trang hãy chọn trích sao.",
    "copy_pages_empty": "Trích sao cần chọn ít nhất một trang.",
    "copy_pages_range": "Có số trang nằm ngoài văn bản.",
    "copy_not_final": "Chỉ văn bản đã hoàn tất (đã ký số đầy đủ) mới được sao.",
    "copy_no_credential": "Tổ chức của bạn chưa có chứng thư số của cơ quan, tổ chức; liên hệ quản trị viên.",
}


def message_for(exc: DomainError) -> str:
    """The Vietnamese message to show for a domain error."""
    return CODE_MESSAGES.get(exc.code) or exc.message
