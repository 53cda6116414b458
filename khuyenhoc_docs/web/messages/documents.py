"""Vietnamese wording of the documents' life: drafting (fields, versions), submission, signing turns,
sealing, issuing, copies, reports, search and the form fields' common problems.

Part of ``CODE_MESSAGES`` (``web/messages/__init__.py``); ``{name}`` fields are the error's params.
"""
from __future__ import annotations

MESSAGES: dict[str, str] = {
    "forbidden": "Bạn không có quyền thực hiện thao tác này.",
    # workflow/copies.py
    "copy_kind": "Hình thức sao phải là sao y (sao_y) hoặc trích sao (trich_sao).",
    "copy_pages": "Bản sao y gồm toàn bộ văn bản; để sao một số trang hãy chọn trích sao.",
    "copy_pages_empty": "Trích sao cần chọn ít nhất một trang.",
    "copy_pages_range": "Có số trang nằm ngoài văn bản.",
    "copy_not_final": "Chỉ văn bản đã hoàn tất (đã ký số đầy đủ) mới được sao.",
    "copy_no_credential": "Tổ chức của bạn chưa có chứng thư số của cơ quan, tổ chức; liên hệ quản trị viên.",
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
    # workflow/archive.py
    "search_value_invalid": "{label} không hợp lệ.",
    "search_status_invalid": "Trạng thái không hợp lệ.",
    "search_kind_invalid": "Loại văn bản không hợp lệ.",
    "search_date_format": "{label} không hợp lệ (định dạng yyyy-mm-dd).",
    # workflow/batch.py
    "batch_nothing_to_sign": "Bạn không có chữ ký nào đang chờ trên văn bản này.",
    "batch_empty": "Chưa chọn văn bản nào để ký.",
    "batch_too_many": "Mỗi lần ký tối đa {max_batch} văn bản.",
    "batch_document_changed": "Văn bản đã thay đổi trong lúc ký (vừa có cập nhật khác); chữ ký chưa được lưu, "
                              "hãy ký lại.",
    # workflow/cascade.py
    "cascade_not_issued": "Chỉ triển khai xuống cấp dưới từ chương trình đã ký, cấp số và đóng dấu.",
    "cascade_incoming_recalled": "Văn bản đến đã bị thu hồi; không triển khai được.",
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
    "report_nothing_to_sign": "Đơn vị chưa nộp tệp báo cáo để ký.",
    "report_docx_outside_ref": (
        "Không chuyển được báo cáo DOCX sang PDF để ký: {reason} Đơn vị hãy bỏ liên kết đó rồi nộp lại, "
        "hoặc nộp bản PDF."
    ),
    "report_replaced_while_signing": "Đơn vị vừa nộp lại tệp báo cáo trong lúc ký; hãy xem lại tệp mới rồi ký lại.",
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
    # form fields (errors.Problem codes)
    "field_pkcs11_module": "Chọn một thư viện trong danh sách được phép.",
    "field_required": "Bắt buộc.",
    "field_invalid": "Không hợp lệ.",
    "field_number_taken": "Trùng số trong sổ.",
    "field_name_taken": "Trùng tên.",
    "field_password_mismatch": "Mật khẩu nhập lại không khớp.",
    "field_too_many": "Quá nhiều.",
    "field_page_count": "Văn bản có {total} trang.",
    "field_not_for_sao_y": "Không dùng cho bản sao y.",
    "field_channel_needs_code": "Chọn hình thức khác cho nơi nhận chưa có mã định danh.",
    "field_channel_needs_email": "Chọn hình thức khác hoặc bổ sung email.",
    "field_org_out_of_scope": "Tổ chức không thuộc phạm vi của bạn.",
    "field_partner_required": "Chọn tổ chức phối hợp.",
    "field_partner_peer": "Chỉ chọn được đơn vị đối tác cùng cấp (ví dụ Hội Khuyến học tỉnh – Tỉnh đoàn).",
    "field_signing_order": "Chọn “any” hoặc “sequential”.",
    "field_not_found": "Không tìm thấy.",
    "field_template_kind_unknown": "Không có mẫu “{kind}”.",
    "field_reason_length": "Từ 5 đến 500 ký tự.",
    "field_pdf_active": "PDF chứa {active}.",
    "field_format": "Sai định dạng.",
    # drafting/fields.py (document fields: draft_field words '{field}: {problem}')
    "draft_field": "{field}: {problem}",
    "draft_required": "bắt buộc nhập.",
    "draft_too_long": "quá dài: tối đa {limit} ký tự (hiện có {length}).",
    "draft_control_characters": "chứa ký tự điều khiển không hợp lệ.",
    "draft_uppercase": "phải viết IN HOA.",
    "draft_bold_unclosed": "dấu ** (in đậm) chưa được đóng.",
    "draft_items_required": "cần ít nhất một mục.",
    "draft_too_many_items": "tối đa {max_items} mục (hiện có {count}).",
    "draft_parent_required": "bắt buộc nhập (văn bản cấp trên mà văn bản này thực hiện).",
    "draft_day_month_invalid": "ngày không hợp lệ, ghi theo dạng ngày/tháng (ví dụ 15/11).",
    "draft_data_invalid": "Dữ liệu không hợp lệ.",
    "draft_not_object": "phải là một đối tượng.",
    "draft_data_not_object": "Dữ liệu phải là một đối tượng JSON.",
    "draft_field_unsupported": "Trường không được hỗ trợ: {key}.",
    "draft_date_invalid": "ngày không hợp lệ, ghi theo dạng ngày/tháng/năm (ví dụ 19/9/2017).",
    "draft_boolean": "phải là đúng/sai (true/false).",
    "draft_text": "phải là văn bản.",
    "draft_list": "phải là một danh sách.",
    # workflow/remote_signing.py (stored request and item messages)
    "remote_rejected": "Người ký đã từ chối yêu cầu ký trên ứng dụng ký số.",
    "remote_expired": "Hết thời gian chờ xác nhận trên điện thoại; yêu cầu ký đã hết hạn. Vui lòng ký lại.",
    "remote_cancelled": "Đã hủy yêu cầu ký.",
    "remote_waiting": "Đang chờ người ký xác nhận trên ứng dụng ký số.",
    "remote_document_changed": (
        "Văn bản đã thay đổi trong lúc chờ xác nhận (đã có chữ ký khác hoặc bị thu hồi); chữ ký chưa được "
        "lưu, vui lòng ký lại."),
    "remote_nothing_prepared": "Không chuẩn bị được văn bản nào để ký.",
    "remote_service_error": "Lỗi dịch vụ ký số từ xa.",
    "remote_signed_count": "Đã ký {done}/{total} văn bản.",
    "remote_not_signed": "Không ký được.",
    "remote_no_signature": "Dịch vụ ký số không trả về chữ ký cho văn bản này.",
    "remote_item_signed": "Đã ký.",
    "remote_saved": "Đã lưu cấu hình dịch vụ ký số từ xa; chứng thư số: {subject}.",
    "remote_saved_unchecked": "Đã lưu cấu hình dịch vụ ký số từ xa, nhưng chưa kiểm tra được tài khoản: {reason}",
}
