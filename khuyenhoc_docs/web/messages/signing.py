"""Vietnamese wording of the signing core's errors (``signing.SignatureCoreError`` codes: keys,
certificates, fields, timestamps, remote services) and of the signing refusals by class name.

Part of ``CODE_MESSAGES`` (``web/messages/__init__.py``); ``{name}`` fields are the error's params.
"""
from __future__ import annotations

MESSAGES: dict[str, str] = {
    # Signing refusals (workflow.signing.SigningRefused carries the core error's class name)
    "WrongPassphrase": "Mật khẩu tệp chứng thư số (PKCS#12) không đúng.",
    "WrongPin": "Mã PIN của thiết bị ký số (token) không đúng.",
    "KeyFileInvalid": "Tệp chứng thư số không hợp lệ hoặc bị hỏng.",
    "FieldAlreadySigned": "Ô chữ ký này đã được ký.",
    # signing/ (SignatureCoreError codes; the class's own code is its default)
    "signature_error": "Lỗi xử lý chữ ký số.",
    "signing_failed": "Không thể ký số tài liệu.",
    "certificate_refused": "Chứng thư số không được chấp nhận.",
    "signature_block_not_found": "Không tìm thấy vị trí chữ ký trong tài liệu.",
    "provider_unreachable": "Không kết nối được dịch vụ ký số từ xa. Vui lòng thử lại sau.",
    "provider_refused": "Dịch vụ ký số từ xa từ chối yêu cầu.",
    "wrong_remote_signature": (
        "Chữ ký do dịch vụ ký số trả về không khớp với văn bản (sai mã băm hoặc sai khoá); chữ ký không được "
        "lưu."),
    "field_signed": "Ô chữ ký “{field_name}” đã được ký.",
    "certification_must_be_first": "Chữ ký chứng thực phải là chữ ký đầu tiên của tài liệu.",
    "pdf_invalid": "Tệp PDF không hợp lệ.",
    "tsa_failed": "Không lấy được dấu thời gian từ máy chủ TSA.",
    "signature_block_missing": "Không tìm thấy vị trí chữ ký của: {who}.",
    "fields_after_signature": "Tài liệu đã có chữ ký số; không thể thêm ô chữ ký.",
    "signature_block_pdf_unreadable": "Không đọc được tệp PDF để tìm vị trí chữ ký.",
    "field_exists": "Ô chữ ký “{field_name}” đã tồn tại.",
    "signature_space_too_small": "Khoảng trống để ký của “{signer_name}” quá nhỏ.",
    "form_field_missing": "Không có ô “{name}” trong tài liệu.",
    "number_date_place_missing": "Không tìm thấy chỗ trống để ghi số và ngày ban hành trong văn bản.",
    "form_field_filled": "Ô “{name}” đã được ghi.",
    "number_date_pdf_unreadable": "Không đọc được tệp PDF để tìm vị trí số và ngày.",
    "pkcs11_module_refused": "Thư viện PKCS#11 này không nằm trong danh sách được phép (KHD_PKCS11_MODULES).",
    "certificate_expired": "Chứng thư số đã hết hạn (hết hạn ngày {date}).",
    "certificate_not_yet_valid": "Chứng thư số chưa có hiệu lực (có hiệu lực từ ngày {date}).",
    "certificate_not_for_signing": (
        "Chứng thư số không được cấp cho mục đích ký số (thiếu mục đích sử dụng khoá "
        "digitalSignature/nonRepudiation)."),
    "certificate_other_person": "Chứng thư số cấp cho “{cn}”, không phải cho người ký “{expected_name}”.",
    "token_not_found": "Không tìm thấy thiết bị ký số “{token_label}”.",
    "pin_locked": "Mã PIN của thiết bị ký số đã bị khoá.",
    "token_session_failed": "Không mở được phiên làm việc với thiết bị ký số.",
    "token_key_missing": "Không tìm thấy khoá ký hoặc chứng thư số trên thiết bị ký số.",
    "pkcs11_load_failed": "Không nạp được thư viện PKCS#11 của thiết bị ký số.",
    "ltv_unsigned": "Tài liệu chưa có chữ ký số.",
    "ltv_failed": "Không bổ sung được dữ liệu kiểm tra dài hạn (B-LT).",
    "lta_failed": "Không thêm được dấu thời gian tài liệu (B-LTA).",
    "lta_renew_failed": "Không gia hạn được dấu thời gian lưu trữ.",
    "record_code_after_signature": "Tài liệu đã được ký; không thể thêm mã tra cứu.",
    "provider_client_refused": "Dịch vụ ký số từ xa từ chối mã ứng dụng (client id/secret) đã cấu hình.",
    "provider_no_account": "Dịch vụ ký số từ xa không có tài khoản ký số của người dùng này.",
    "provider_not_csc": "Dịch vụ ký số từ xa trả lời không đúng chuẩn CSC.",
    "provider_no_certificate": "Dịch vụ ký số từ xa không trả về chứng thư số.",
    "remote_pin_wrong": "Mã PIN hoặc mã OTP của dịch vụ ký số không đúng.",
    "signature_field_missing": "Không có ô chữ ký “{field_name}” trong tài liệu.",
    "tsa_not_configured": "Chưa cấu hình máy chủ dấu thời gian (TSA); không thể ký.",
    "pdf_encrypted_unsignable": "Không ký được tệp PDF đã mã hoá.",
    "token_signing_failed": "Thiết bị ký số báo lỗi khi ký.",
    "tsa_url_invalid": "Địa chỉ máy chủ dấu thời gian (TSA) không hợp lệ.",
    "demo_tsa_key_not_rsa": "Khoá của máy chủ dấu thời gian (demo) phải là RSA.",
    "pdf_not_pdf": "Tệp không phải là tài liệu PDF.",
    "pdf_truncated": "Tệp PDF bị cắt cụt (không đầy đủ).",
    "pdf_encrypted": "Tệp PDF đã được mã hoá; không thể kiểm tra chữ ký.",
    "pdf_damaged": "Tệp PDF bị hỏng hoặc không đầy đủ.",
    "report_first_page_unreadable": "Không đọc được trang đầu của tệp PDF.",
    "stamp_image_invalid": "Ảnh chữ ký/con dấu không hợp lệ (cần tệp PNG).",
    "stamp_font_failed": "Không chuẩn bị được phông chữ cho chữ ký.",
    "handwritten_image_invalid": "Ảnh chữ ký tay không hợp lệ (cần tệp PNG).",
    "copy_field_signed": "Ô chữ ký của bản sao đã được ký.",
    "copy_pages_extract_failed": "Không trích được các trang đã chọn.",
    "pdf_refused": "Tệp không phải là tài liệu PDF hợp lệ.",
    # signing/remote.py
    "provider_timeout": "Dịch vụ ký số từ xa không phản hồi trong {timeout:g} giây. Vui lòng thử lại sau.",
}
