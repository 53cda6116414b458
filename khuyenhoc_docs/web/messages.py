"""Vietnamese wording of the error codes the core raises (``DomainError.code`` with its ``params``).

The core names its refusals in English codes; this table is the one place their words live. Importing
this module installs ``word`` into ``errors`` (the web app, the CLI and the worker import it), so
``exc.message`` anywhere reads as the user sees it. A code without an entry shows the error's own
message, then the code itself.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import DomainError, install_wording

CODE_MESSAGES: dict[str, str] = {
    "forbidden": "Bạn không có quyền thực hiện thao tác này.",
    # Signing refusals (workflow.signing.SigningRefused carries the core error's class name)
    "WrongPassphrase": "Mật khẩu tệp chứng thư số (PKCS#12) không đúng.",
    "WrongPin": "Mã PIN của thiết bị ký số (token) không đúng.",
    "KeyFileInvalid": "Tệp chứng thư số không hợp lệ hoặc bị hỏng.",
    "FieldAlreadySigned": "Ô chữ ký này đã được ký.",
    # workflow/copies.py
    "copy_kind": "Hình thức sao phải là sao y (sao_y) hoặc trích sao (trich_sao).",
    "copy_pages": "Bản sao y gồm toàn bộ văn bản; để sao một số trang hãy chọn trích sao.",
    "copy_pages_empty": "Trích sao cần chọn ít nhất một trang.",
    "copy_pages_range": "Có số trang nằm ngoài văn bản.",
    "copy_not_final": "Chỉ văn bản đã hoàn tất (đã ký số đầy đủ) mới được sao.",
    "copy_no_credential": "Tổ chức của bạn chưa có chứng thư số của cơ quan, tổ chức; liên hệ quản trị viên.",
    # accounts.py
    "user_invalid": "Dữ liệu người dùng không hợp lệ.",
    "password_invalid": "Mật khẩu không hợp lệ.",
    # credentials.py
    "pkcs12_size": "Tệp PKCS#12 trống hoặc quá lớn (tối đa 256 KB).",
    "pkcs11_fields_missing": "Cần nhập thư viện PKCS#11, nhãn token và nhãn khoá.",
    "pkcs11_module_not_allowed": "Thư viện PKCS#11 không nằm trong danh sách được phép (KHD_PKCS11_MODULES).",
    "remote_kind_invalid": "Loại dịch vụ ký số từ xa không hợp lệ.",
    "remote_credential_id_missing": (
        "Cần nhập mã tài khoản ký số (credential ID của CSC hoặc mã người dùng tại nhà cung cấp, ví dụ số "
        "CCCD)."),
    "remote_url_scheme": "Địa chỉ dịch vụ phải bắt đầu bằng https:// (hoặc http:// khi thử nghiệm).",
    "credential_retired": "Chứng thư số này đã ngừng sử dụng.",
    "credential_is_remote": "Chứng thư số của bạn là dịch vụ ký số từ xa; hãy dùng “Ký bằng dịch vụ ký số từ xa”.",
    "pkcs12_invalid": "Tệp không phải PKCS#12 (.p12/.pfx) hợp lệ.",
    "certificate_pem_invalid": "Chứng thư số (PEM) không hợp lệ.",
    # digitise.py
    "scan_no_pages": "Chưa có trang quét nào.",
    "ocr_unavailable": "Máy chủ chưa cài ocrmypdf/tesseract (tesseract-ocr-vie) để số hóa bản giấy.",
    "scan_type": "Bản quét phải là một tệp PDF hoặc các tệp ảnh PNG, JPEG, TIFF.",
    "scan_mixed_files": "Chỉ tải lên một tệp PDF, hoặc nhiều tệp ảnh (mỗi ảnh một trang).",
    "scan_image_unreadable": "Tệp ảnh quét không đọc được hoặc quá lớn.",
    "pdfa_failed": "Không chuyển được bản quét sang PDF/A: {detail}",
    "ocr_timeout": "Nhận dạng chữ (OCR) quá thời gian cho phép; hãy chia nhỏ bản quét.",
    "scan_too_many_pages": "Tối đa {max_pages} trang mỗi bản số hóa.",
    # images.py
    "png_missing": "Chưa chọn tệp ảnh. {what} phải là tệp PNG nền trong suốt.",
    "png_too_large": "{what} quá lớn: tối đa {max_kb} KB.",
    "png_wrong_type": "{what} phải là tệp PNG (không nhận JPEG, GIF hay tệp khác).",
    "png_not_transparent": "{what} cần nền trong suốt (PNG có kênh alpha); ảnh này có nền đặc.",
    "png_invalid": "Tệp không phải ảnh PNG hợp lệ ({what_lower}).",
    "png_size": "{what} cần kích thước từ {min_side} đến {max_side} điểm ảnh mỗi chiều.",
    # legacy.py
    "legacy_invalid": "Thông tin hồ sơ không hợp lệ.",
    "legacy_number_taken": "Số {number} đã có trong sổ văn bản năm {year} của {org_name}.",
    "legacy_pdf_size": "Tệp PDF trống hoặc quá lớn (tối đa 50 MB).",
    "legacy_scan_missing": "Chưa chọn bản quét, hoặc bản quét quá lớn (tối đa 50 MB).",
    "legacy_pdf_invalid": "Tệp PDF không hợp lệ: {reason}",
    # organisations.py
    "organisation_invalid": "Dữ liệu tổ chức không hợp lệ.",
    # orgimport.py
    "org_csv_errors": "Tệp CSV có lỗi; chưa nhập gì.",
    # recipients.py
    "recipient_invalid": "Dữ liệu nơi nhận không hợp lệ.",
    "recipient_list_name_missing": "Tên danh sách là bắt buộc.",
    "recipient_list_name_taken": "Đã có danh sách cùng tên.",
    "recipient_list_unknown": "Danh sách nơi nhận không tồn tại.",
    "recipient_unknown": "Nơi nhận không tồn tại.",
    # secretbox.py
    "secret_undecryptable": (
        "Không giải mã được bí mật đã lưu (khóa bí mật của hệ thống đã thay đổi?); quản trị viên cần nhập "
        "lại."),
    # succession.py
    "org_gone_numbering": "{gone}; sổ văn bản của tổ chức này không cấp số mới (các số đã cấp vẫn tra cứu được).",
    "org_gone_signing": "{gone}; chứng thư số của tổ chức và người ký thuộc tổ chức này không còn được dùng để ký.",
    "succession_invalid": "Dữ liệu sáp nhập, giải thể không hợp lệ.",
    # search/base.py
    "search_page_invalid": "Số trang không hợp lệ.",
    "search_per_page": "Số kết quả mỗi trang phải từ 1 đến {max_per_page}.",
    "search_year_invalid": "Năm không hợp lệ.",
    "search_date_range": "Khoảng ngày không hợp lệ: ngày bắt đầu sau ngày kết thúc.",
    "search_query_no_word": "Từ khóa tìm kiếm cần có ít nhất một chữ cái hoặc chữ số.",
    "search_filter_too_long": "Giá trị bộ lọc không hợp lệ hoặc quá dài.",
    "search_filter_characters": "Bộ lọc chứa ký tự không hợp lệ.",
    "search_filter_no_word": "Bộ lọc số, ký hiệu hoặc người ký cần có chữ hoặc số.",
    "search_org_invalid": "Mã tổ chức không hợp lệ.",
    "search_date_invalid": "Ngày lọc không hợp lệ.",
    # search/text.py
    "search_query_invalid": "Từ khóa tìm kiếm không hợp lệ.",
    "search_query_too_long": "Từ khóa tìm kiếm quá dài (tối đa {max_chars} ký tự).",
    # workflow/admin.py
    "user_not_found": "Không tìm thấy người dùng.",
    "password_mismatch": "Mật khẩu nhập lại không khớp.",
    "organisation_not_found": "Không tìm thấy tổ chức.",
    "template_not_found": "Không tìm thấy mẫu văn bản.",
    "action_invalid": "Thao tác không hợp lệ.",
    "seal_diameter": "Đường kính con dấu phải từ {min_mm} đến {max_mm} mm.",
    # workflow/archive.py
    "search_value_invalid": "{label} không hợp lệ.",
    "search_status_invalid": "Trạng thái không hợp lệ.",
    "search_date_format": "{label} không hợp lệ (định dạng yyyy-mm-dd).",
    # workflow/batch.py
    "batch_nothing_to_sign": "Bạn không có chữ ký nào đang chờ trên văn bản này.",
    "batch_empty": "Chưa chọn văn bản nào để ký.",
    "batch_too_many": "Mỗi lần ký tối đa {max_batch} văn bản.",
    # workflow/cascade.py
    "cascade_not_issued": "Chỉ triển khai xuống cấp dưới từ chương trình đã ký, cấp số và đóng dấu.",
    "cascade_no_units": "Tổ chức chủ trì không có đơn vị cấp dưới.",
    "cascade_unit_invalid": "Có đơn vị không thuộc cấp dưới trực tiếp của tổ chức chủ trì.",
    "job_not_found": "Không tìm thấy công việc.",
    # workflow/certify.py
    "certify_not_digitised": "Chỉ bản số hóa từ bản gốc giấy mới được ký xác nhận sao y.",
    "certify_already": "Bản số hóa này đã được tổ chức ký số xác nhận.",
    "org_credential_missing": "Tổ chức chưa có chứng thư số của cơ quan, tổ chức; liên hệ quản trị viên.",
    # workflow/copies.py
    "copy_not_found": "Không tìm thấy bản sao.",
    # workflow/distribution.py
    "issue_not_sealed": (
        "Chỉ phát hành được văn bản đã có đủ chữ ký của người có thẩm quyền và chữ ký số (con dấu) của hai cơ "
        "quan, tổ chức."),
    "issue_validation_stale": "Kết quả kiểm tra chữ ký chưa đạt hoặc đã cũ; hãy kiểm tra lại chữ ký trước khi phát hành.",
    "issue_no_recipients": "Văn bản chưa có nơi nhận nào trong danh bạ.",
    "issue_channel_invalid": "Nơi nhận hoặc hình thức gửi không hợp lệ.",
    "issue_edxml_needs_code": "Chỉ gửi liên thông (edXML) được tới nơi nhận có mã định danh.",
    "issue_email_missing": "Nơi nhận chưa có địa chỉ email: {names}.",
    "dispatch_not_found": "Không tìm thấy lượt gửi.",
    "resend_acknowledged": "Nơi nhận đã xác nhận; không cần gửi lại.",
    "resend_paper": "Bản giấy không gửi lại qua hệ thống.",
    "ack_link_invalid": "Liên kết không còn hiệu lực.",
    # workflow/documents.py
    "document_not_found": "Không tìm thấy văn bản.",
    "download_format": "Định dạng tệp không hợp lệ (pdf hoặc docx).",
    "version_not_found": "Không có phiên bản này.",
    "legacy_no_docx": "Hồ sơ có trước hệ thống không có tệp DOCX.",
    "document_no_pdf": "Văn bản chưa có tệp PDF.",
    # workflow/drafting.py
    "template_missing_for_kind": "Chưa có mẫu văn bản cho loại này; quản trị viên cần tải mẫu lên.",
    "fields_not_object": "Dữ liệu văn bản phải là một đối tượng JSON.",
    "fields_invalid": "Nội dung văn bản chưa hợp lệ; vui lòng sửa các trường được đánh dấu.",
    "lead_org_invalid": "Tổ chức chủ trì không hợp lệ.",
    "partner_org_missing": "Chưa xác định được tổ chức phối hợp.",
    "partner_org_invalid": "Tổ chức phối hợp phải là đơn vị đối tác cùng cấp, cùng địa bàn của tổ chức chủ trì.",
    "signing_order_invalid": "Thứ tự ký không hợp lệ.",
    "parent_document_unknown": "Văn bản cấp trên không tồn tại.",
    "edit_not_draft": "Chỉ sửa được văn bản ở trạng thái dự thảo hoặc bị từ chối ký.",
    "edit_submitted": "Văn bản vừa được trình ký; không thể sửa.",
    "edit_stale_version": "Văn bản đã có phiên bản mới hơn (phiên bản {version}); vui lòng tải lại.",
    "template_kind_unknown": "Loại mẫu văn bản không tồn tại.",
    # workflow/exchange_in.py
    "edxml_in_no_recipient": "Gói tin không gửi tới cơ quan, tổ chức nào của hệ thống này (mã định danh nơi nhận).",
    "edxml_in_one_pdf": "Gói tin phải có đúng một tệp văn bản PDF.",
    "edxml_in_signature_invalid": "Chữ ký số trên văn bản không hợp lệ: {summary}",
    "edxml_in_business_unmatched": "Không có văn bản đến nào khớp với yêu cầu thu hồi/cập nhật/thay thế.",
    "incoming_revoked": "Văn bản đến này đã bị thu hồi.",
    "incoming_not_found": "Không tìm thấy văn bản đến.",
    "incoming_status_invalid": "Trạng thái phải là 04 (phân công), 05 (đang xử lý) hoặc 06 (hoàn thành).",
    "incoming_document_revoked": "Văn bản đã bị thu hồi.",
    "incoming_no_business_pending": "Không có yêu cầu thu hồi/cập nhật/thay thế nào đang chờ.",
    "edxml_in_signer_untrusted": "Chứng thư số ký gói tin không thuộc tổ chức chứng thực được tin cậy.",
    "edxml_in_pdf_unreadable": "Tệp văn bản PDF không kiểm tra được: {reason}",
    "incoming_already_registered": "Văn bản {document_id} đã được vào sổ văn bản đến của {org_name}.",
    # workflow/exchange_out.py
    "edxml_lead_code_missing": "{org_name} chưa có mã định danh hợp lệ; không gửi liên thông được.",
    "edxml_not_numbered": "Văn bản chưa có số và ngày ban hành.",
    "edxml_no_pkcs12": "{org_name} chưa có chứng thư số dạng tệp PKCS#12 để ký gói tin edXML.",
    "edxml_passphrase_missing": "Cần nhập mật khẩu chứng thư số của cơ quan để ký gói tin liên thông.",
    "edxml_status_unmatched": "Không có lượt gửi liên thông nào khớp với thông điệp trạng thái này.",
    "dispatch_not_edxml": "Lượt gửi này không gửi qua liên thông edXML.",
    "edxml_business_not_sent": "Chỉ thu hồi, cập nhật, thay thế được văn bản đã gửi liên thông edXML.",
    "edxml_business_kind": "Nghiệp vụ phải là thu hồi, cập nhật hoặc thay thế.",
    "edxml_business_reason": "Cần nêu lý do (tối đa 2000 ký tự).",
    "edxml_recipient_code_missing": "Nơi nhận {recipient_name} chưa có mã định danh hợp lệ.",
    # workflow/orgs.py
    "import_kind_unknown": "Không có loại dữ liệu này.",
    # workflow/public_verify.py
    "record_code_unknown": "Không tìm thấy văn bản với mã tra cứu này.",
    "pdf_missing": "Chưa chọn tệp PDF.",
    "verify_upload_too_large": "Tệp quá lớn (tối đa 10 MB).",
    # workflow/remote_signing.py
    "remote_account_incomplete": (
        "Tài khoản ký số từ xa chưa được cấu hình đủ (địa chỉ dịch vụ, tài khoản); liên hệ quản trị viên."),
    "remote_account_missing": "Bạn chưa có tài khoản dịch vụ ký số từ xa.",
    "remote_pin_missing": "Cần nhập mã PIN của dịch vụ ký số.",
    "signing_request_not_found": "Không tìm thấy yêu cầu ký.",
    # workflow/reports.py
    "report_signed_frozen": "Báo cáo đã được ký số; muốn thay tệp, người ký hoặc văn thư phải thu hồi chữ ký kèm lý do trước.",
    "obligation_not_found": "Không tìm thấy nghĩa vụ báo cáo.",
    "report_not_found": "Không tìm thấy báo cáo đã nộp.",
    "report_withdraw_reason": "Cần ghi lý do thu hồi chữ ký (từ 5 đến 500 ký tự).",
    "report_not_signed": "Báo cáo chưa được ký số; không có chữ ký để thu hồi.",
    "report_sign_pdf_only": "Chỉ ký được báo cáo đã nộp dưới dạng PDF.",
    "report_already_signed": "Báo cáo đã được ký.",
    "report_file_size": "Tệp báo cáo trống hoặc quá lớn (tối đa 20 MB).",
    "report_active_content": (
        "Tệp PDF chứa nội dung chủ động không được phép trong báo cáo: {active}. Hãy xuất lại PDF không có "
        "các thành phần này."),
    "report_file_type": "Tệp báo cáo phải là PDF hoặc DOCX hợp lệ.",
    "report_file_invalid": "Tệp báo cáo không hợp lệ: {reason}",
    "report_pdf_invalid": "Tệp PDF không hợp lệ: {reason}",
    # workflow/reservations.py
    "document_held_by_other": (
        "Đang chờ {signer_name} xác nhận ký văn bản này trên ứng dụng ký số (hết hạn lúc {until}). Vui lòng "
        "ký sau khi chữ ký đó hoàn tất."),
    "document_held_by_you": (
        "Bạn đang có yêu cầu ký từ xa chờ xác nhận cho văn bản này (mã giao dịch {transaction}, hết hạn lúc "
        "{until})."),
    # workflow/sealing.py
    "seal_not_ready": "Chỉ đóng dấu được văn bản đã có đủ chữ ký của hai người có thẩm quyền và chưa đóng dấu.",
    "already_sealed": "Cơ quan, tổ chức của bạn đã đóng dấu (ký số) văn bản này.",
    "lead_seals_first": "Chờ văn thư cơ quan chủ trì cấp số, ngày và đóng dấu trước.",
    "no_org_credential": "{org_name} chưa có chứng thư số của cơ quan, tổ chức; liên hệ quản trị viên.",
    "sealed_invalid": "Chữ ký số của văn bản sau khi đóng dấu không hợp lệ; chưa lưu.",
    "org_secret_missing": "Cần nhập mật khẩu chứng thư số của cơ quan, tổ chức hoặc mã PIN.",
    # workflow/signing.py
    "not_awaiting_your_signature": "Văn bản không còn chờ chữ ký của bạn (đã ký, bị từ chối hoặc đã thu hồi).",
    "secret_missing": "Cần nhập mật khẩu chứng thư số hoặc mã PIN.",
    "credential_missing": "Bạn chưa có chứng thư số; liên hệ quản trị viên để cấp hoặc tải lên.",
    "not_your_turn": "Chưa đến lượt ký: chờ {signer_name} ký trước.",
    "decline_reason": "Cần nhập lý do từ chối ký (tối đa 2000 ký tự).",
    "validation_time_invalid": "Thời điểm kiểm tra không hợp lệ (ví dụ 2031-01-01).",
    # workflow/submission.py
    "chair_account_missing": (
        "Không có tài khoản người ký “{signer_name}” thuộc tổ chức này; quản trị viên cần tạo tài khoản Chủ "
        "tịch/Bí thư."),
    "submit_not_draft": "Chỉ trình ký được văn bản ở trạng thái dự thảo hoặc bị từ chối ký.",
    "signers_must_differ": "Hai người ký phải là hai người khác nhau.",
    "submit_concurrent": "Văn bản vừa được trình ký bởi người khác.",
    "withdraw_reason": "Cần nhập lý do thu hồi (tối đa 2000 ký tự).",
    "withdraw_state": "Chỉ thu hồi được văn bản đang chờ ký, bị từ chối hoặc đã ký nhưng chưa phát hành.",
    # workflow/template_store.py
    "template_file_size": "Tệp mẫu quá lớn (tối đa 10 MB).",
}


def word(code: str, params: Mapping[str, Any]) -> str | None:
    """The words for ``code`` filled with ``params``; None when the code has no entry."""
    template = CODE_MESSAGES.get(code)
    if template is None:
        return None
    try:
        return template.format(**params)
    except (KeyError, IndexError):  # a raise site missing a value still says what went wrong
        return template


def message_for(exc: DomainError) -> str:
    """The Vietnamese message to show for a domain error."""
    return exc.message


install_wording(word)
