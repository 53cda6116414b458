"""send_mail against a real SMTP server process (aiosmtpd), including outages and refusals."""

from __future__ import annotations

import email
import email.policy
import socket
import time
import unicodedata
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khuyenhoc_docs.distribution import (
    Attachment,
    InvalidRecipient,
    MailDeliveryFailed,
    MailOptions,
    OutgoingMail,
    send_mail,
    validate_address,
)
from khuyenhoc_docs.distribution.mailer import build_message
from tests.services.smtp import SmtpServer

SENDER = "Hội Khuyến học tỉnh Bến Tre <vanthu@khuyenhoc-bentre.vn>"
SUBJECT = (
    "Văn bản số 40/CTPH-HKVN-ĐTNCSHCM: Chương trình phối hợp hoạt động giữa Hội Khuyến học "
    "và Đoàn TNCS Hồ Chí Minh tỉnh Bến Tre giai đoạn 2018 – 2020"
)
TEXT = (
    "Kính gửi: Ban Thường vụ Huyện Đoàn Châu Thành,\n\n"
    "Tỉnh Đoàn Bến Tre trân trọng gửi Chương trình phối hợp số 40/CTPH-HKVN-ĐTNCSHCM.\n"
    "Đề nghị đồng chí bấm vào liên kết để xác nhận đã nhận văn bản.\n"
)
HTML = "<p>Kính gửi: <b>Ban Thường vụ Huyện Đoàn Châu Thành</b></p><p>Trân trọng.</p>\n"
PDF_NAME = "Chương trình phối hợp số 40 — Hội Khuyến học & Đoàn TNCS Hồ Chí Minh (bản ký số).pdf"
# Every byte value: a lossy transfer encoding would show up as a mismatch.
PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
RECIPIENT = "bithu.chauthanh@doan-bentre.vn"


@pytest.fixture(scope="module")
def module_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def server(module_server: SmtpServer) -> Iterator[SmtpServer]:
    module_server.clear()
    module_server.clear_rejections()
    yield module_server


def options_for(server: SmtpServer, **overrides) -> MailOptions:
    values = {"host": server.host, "port": server.port, "mail_from": SENDER, "timeout": 5.0, **overrides}
    return MailOptions(**values)


def vn_mail(to: str = RECIPIENT, **overrides) -> OutgoingMail:
    values = {
        "to": to,
        "to_name": "Nguyễn Thị Ánh Tuyết",
        "subject": SUBJECT,
        "text": TEXT,
        "html": HTML,
        "attachments": (Attachment(PDF_NAME, "application/pdf", PDF_BYTES),),
        **overrides,
    }
    return OutgoingMail(**values)


def test_vietnamese_mail_with_pdf_round_trips(server: SmtpServer) -> None:
    message_id = send_mail(options_for(server), vn_mail())

    [received] = server.received()
    msg = received.message
    assert received.mail_from == "vanthu@khuyenhoc-bentre.vn"
    assert received.rcpt_tos == (RECIPIENT,)
    assert received.raw.isascii()  # 7-bit clean on the wire: headers encoded, bodies base64
    assert msg["Message-ID"] == message_id
    assert msg["Subject"] == SUBJECT
    assert msg["To"].addresses[0].display_name == "Nguyễn Thị Ánh Tuyết"
    assert msg["To"].addresses[0].addr_spec == RECIPIENT
    assert msg["From"].addresses[0].display_name == "Hội Khuyến học tỉnh Bến Tre"
    assert msg.get_body(("plain",)).get_content() == TEXT
    assert msg.get_body(("html",)).get_content() == HTML
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == PDF_NAME
    assert attachment.get_content() == PDF_BYTES


def test_message_id_can_be_reused_for_a_retry(server: SmtpServer) -> None:
    chosen = "<dispatch-17.attempt@khuyenhoc-bentre.vn>"
    assert send_mail(options_for(server), vn_mail(), message_id=chosen) == chosen
    assert [m["Message-ID"] for m in server.messages()] == [chosen]
    with pytest.raises(ValueError):
        send_mail(options_for(server), vn_mail(), message_id="<x@y>\r\nBcc: a@b.vn")


def test_smtp_down_is_temporary_and_restart_recovers() -> None:
    with SmtpServer() as server:
        options = options_for(server, timeout=3.0)
        server.stop()
        started = time.monotonic()
        with pytest.raises(MailDeliveryFailed) as info:
            send_mail(options, vn_mail())
        assert time.monotonic() - started < options.timeout
        assert info.value.permanent is False
        assert "máy chủ thư" in info.value.reason_vi
        assert info.value.detail and "ConnectionRefused" in info.value.detail

        server.start()
        message_id = send_mail(options, vn_mail())
        assert [m["Message-ID"] for m in server.messages()] == [message_id]


def test_silent_server_times_out_as_temporary() -> None:
    # A socket that listens but never accepts: the TCP handshake completes, no greeting comes.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        options = MailOptions(host="127.0.0.1", port=port, mail_from=SENDER, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(MailDeliveryFailed) as info:
            send_mail(options, vn_mail())
        elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"took {elapsed:.2f}s with a 0.5s timeout"
    assert info.value.permanent is False
    assert "không phản hồi" in info.value.reason_vi


def test_550_rejection_is_permanent(server: SmtpServer) -> None:
    server.reject("khongtontai@doan-bentre.vn", "550 5.1.1 Mailbox unavailable")
    with pytest.raises(MailDeliveryFailed) as info:
        send_mail(options_for(server), vn_mail("khongtontai@doan-bentre.vn"))
    assert info.value.permanent is True
    assert info.value.code == 550
    assert "người nhận" in info.value.reason_vi and "550" in info.value.reason_vi
    assert server.messages() == []
    # Other recipients are unaffected.
    send_mail(options_for(server), vn_mail())
    assert len(server.messages()) == 1


def test_451_rejection_is_temporary(server: SmtpServer) -> None:
    server.reject(RECIPIENT, "451 4.3.0 Try again later")
    with pytest.raises(MailDeliveryFailed) as info:
        send_mail(options_for(server), vn_mail())
    assert info.value.permanent is False
    assert info.value.code == 451
    assert server.messages() == []


@pytest.mark.parametrize(
    "overrides", [{"starttls": True}, {"username": "vanthu", "password": "mật-khẩu"}], ids=["starttls", "auth"]
)
def test_missing_server_feature_is_permanent(server: SmtpServer, overrides: dict) -> None:
    # The test server offers neither STARTTLS nor AUTH (without TLS): a configuration error.
    with pytest.raises(MailDeliveryFailed) as info:
        send_mail(options_for(server, **overrides), vn_mail())
    assert info.value.permanent is True
    assert server.messages() == []


@pytest.mark.parametrize(
    "to",
    [
        "a@doan-bentre.vn\r\nBcc: attacker@evil.example",
        "a@doan-bentre.vn\nBcc: attacker@evil.example",
        "a@doan-bentre.vn\r",
        "a@doan-bentre.vn, attacker@evil.example",
        "a@doan-bentre.vn;attacker@evil.example",
        "Nguyễn Văn A <a@doan-bentre.vn>",
        "a@doan-bentre.vn>\r\nRCPT TO:<attacker@evil.example",
    ],
)
def test_injection_in_address_is_refused_before_sending(server: SmtpServer, to: str) -> None:
    with pytest.raises(InvalidRecipient) as info:
        send_mail(options_for(server), vn_mail(to))
    assert "\n" not in info.value.reason_vi and "\r" not in info.value.reason_vi
    assert server.messages() == []


def test_injection_in_name_subject_and_filename_stays_inside_its_header(server: SmtpServer) -> None:
    mail = vn_mail(
        to_name="Nguyễn Văn A\r\nBcc: attacker@evil.example",
        subject="Công văn\r\nBcc: attacker@evil.example\r\nX-Injected: 1",
        attachments=(Attachment("tài liệu.pdf\r\nX-Injected: 1", "application/pdf", PDF_BYTES),),
    )
    send_mail(options_for(server), mail)

    [received] = server.received()
    msg = received.message
    assert received.rcpt_tos == (RECIPIENT,)
    assert b"\nBcc:" not in received.raw and b"\nX-Injected:" not in received.raw
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg["Subject"] == "Công văn Bcc: attacker@evil.example X-Injected: 1"
    assert msg["To"].addresses[0].addr_spec == RECIPIENT
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "tài liệu.pdf X-Injected_ 1"  # ":" is not allowed on Windows


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  vanthu@KhuyenHoc.VN ", "vanthu@khuyenhoc.vn"),
        ("Van.Thu+so40@doan-bentre.vn", "Van.Thu+so40@doan-bentre.vn"),
        ("vanthu@khuyếnhọc.vn", "vanthu@xn--khuynhc-7t4cye.vn"),
    ],
)
def test_valid_addresses_are_normalised(raw: str, expected: str) -> None:
    assert validate_address(raw) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "vanthu",
        "vanthu@",
        "@doan-bentre.vn",
        "vanthu@localhost",
        "vanthu@@doan-bentre.vn",
        "văn.thư@doan-bentre.vn",
        "van thu@doan-bentre.vn",
        "vanthu.@doan-bentre.vn",
        "vanthu@-doan.vn",
        "vanthu@doan..vn",
        "vanthu@1.2.3.4",
        "a" * 65 + "@doan-bentre.vn",
        "vanthu@" + ".".join(["b" * 60] * 4) + ".vn.vn",  # 256 characters
        "vanthu@doan-bentre.vn\x00",
        "vanthu@doan-bentre.vn\u2028",
    ],
)
def test_invalid_addresses_are_refused(bad: str) -> None:
    with pytest.raises(InvalidRecipient) as info:
        validate_address(bad)
    assert info.value.reason_vi and info.value.message == info.value.reason_vi


def test_options_are_checked_at_construction() -> None:
    with pytest.raises(ValueError):
        MailOptions(host="127.0.0.1", port=25, mail_from="không phải địa chỉ")
    with pytest.raises(ValueError):
        MailOptions(host="127.0.0.1", port=25, mail_from="a@b.vn\r\nBcc: c@d.vn")
    with pytest.raises(ValueError):
        MailOptions(host="127.0.0.1", port=25, mail_from="a@b.vn", username="only-user")
    with pytest.raises(ValueError):
        MailOptions(host="127.0.0.1", port=0, mail_from="a@b.vn")


# Words, separators and pieces of RFC 2047 syntax: what breaks header encoders.
_HEADER_TEXT = st.lists(
    st.sampled_from(
        ["giữa", "Hội", "Khuyến", "học", "Đoàn", "TNCS", "Hồ", "Chí", "Minh", "ĐTNCSHCM", "40/CTPH", "a",
         "ư", "Ệ", " ", "  ", ":", ";", ",", "<x>", '"', "(", ")", "=?", "?=", "=?utf-8?q?x=0D=0ABcc:_e@x.vn?=",
         "\r\n", "\n", "\t", "\x00", "\u2028", "e\u0301"]  # last: decomposed é
    ),
    max_size=40,
).map("".join)


def _expected_header_text(value: str) -> str:
    # What build_message promises: one line, whitespace runs collapsed, NFC.
    return unicodedata.normalize("NFC", " ".join(value.replace("\x00", " ").split()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(to_name=_HEADER_TEXT, subject=_HEADER_TEXT)
def test_any_name_or_subject_round_trips_in_its_own_header(to_name: str, subject: str) -> None:
    options = MailOptions(host="127.0.0.1", port=25, mail_from=SENDER)
    msg = build_message(options, vn_mail(to_name=to_name, subject=subject, attachments=()))
    wire = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))  # what smtplib sends
    head = wire.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert sorted(parsed.keys()) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type"]
    )
    assert parsed["Subject"] == _expected_header_text(subject)
    [address] = parsed["To"].addresses
    assert address.addr_spec == RECIPIENT
    # Display names checked with the RFC 2047 decoder (the default policy's phrase parser inserts
    # a space between adjacent encoded words, which RFC 2047 section 6.2 says to ignore).
    raw_to = head.split(b"\r\nTo: ", 1)[1].split(b"\r\nSubject:", 1)[0].decode("ascii")
    phrase = raw_to.replace("\r\n", "").rsplit("<", 1)[0].strip()
    expected = _expected_header_text(to_name)
    if not expected:
        assert address.display_name == ""
    elif "=?" in phrase:
        assert str(make_header(decode_header(phrase))) == expected
    else:  # plain ASCII name, possibly a quoted string: the structured parser handles it
        assert address.display_name == expected


@pytest.mark.parametrize(
    "subject",
    [
        # Python 3.11's own folder turns this one into "...giữaHội Khuyến...".
        "Văn bản số 40/CTPH-HKVN-ĐTNCSHCM: Chương trình phối hợp hoạt động giữa Hội Khuyến học và Đoàn",
        "Thông báo =?utf-8?q?x=0D=0ABcc:_attacker@evil.example?= về lịch họp",
        "Plain ASCII subject with (comments) and \"quotes\" that is long enough to need folding twice ok",
    ],
)
def test_subject_arrives_exactly(server: SmtpServer, subject: str) -> None:
    send_mail(options_for(server), vn_mail(subject=subject))
    [msg] = server.messages()
    assert msg["Subject"] == subject
    assert msg["Bcc"] is None
