"""Issue 14, "what users hit": one regression test per finding (the item number is in each name)."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
from sqlalchemy import select

from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.models import Dispatch, Organisation
from tests.conftest import api_token, csrf_token, login
from tests.flow import seal_both
from tests.test_signing_flow import sign, submitted

TEMPLATES = Path(__file__).resolve().parent.parent / "khuyenhoc_docs" / "web" / "templates"


def _text(html: str) -> str:
    """Visible text of a page (tags, attributes and comments dropped)."""
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _draft_form(token: str) -> dict:
    fields = reference_fields()
    data = {
        "csrf_token": token, "kind": "programme_province", "doc_type": fields.doc_type, "summary": fields.summary,
        "period": fields.period, "place": fields.place, "preamble": fields.preamble, "closing": fields.closing,
        "archive": fields.archive, "type_abbr": "CTPH", "org_abbrs": "HKH, TĐ", "routing": "sequential",
        "purposes": list(fields.purposes), "requirements": list(fields.requirements),
        "contents": list(fields.contents), "recipients": list(fields.recipients),
        "resp_heading": [r.heading for r in fields.responsibilities],
        "resp_items": ["\n".join(r.items) for r in fields.responsibilities],
    }
    for party, value in (("party_a", fields.party_a), ("party_b", fields.party_b)):
        for f in ("org_name", "org_name_upper_for_header", "authority_prefix", "position", "signer_name"):
            data[f"{party}.{f}"] = getattr(value, f)
    return data


def _selected_option(html: str, name: str) -> str | None:
    select_html = re.search(rf'<select name="{name}">(.*?)</select>', html, re.S).group(1)
    match = re.search(r'<option value="([^"]*)"\s+selected', select_html)
    return match.group(1) if match else None


# -- item 1 ------------------------------------------------------------------------------------

def test_item1_partner_and_routing_survive_a_form_error(app, client):
    with app.extensions["khd.sessions"]() as s:
        tinh_doan = s.scalar(select(Organisation.id).where(Organisation.name == "Tỉnh đoàn Bến Tre"))
    login(client, "vanthu")
    fresh = client.get("/documents/new?kind=programme_province").get_data(as_text=True)
    assert _selected_option(fresh, "partner_org_id") == str(tinh_doan)  # the Hội clerk's counterpart
    data = _draft_form(csrf_token(client, "/documents/new"))
    data.update(partner_org_id=str(tinh_doan), summary="")
    bad = client.post("/documents/new", data=data)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert _selected_option(html, "partner_org_id") == str(tinh_doan)
    assert _selected_option(html, "routing") == "sequential"
    assert "Đặng Thị Hoa" in html and "Lâm Như Quỳnh" in html


def test_item1_submit_refusal_names_fields_in_vietnamese(app, client):
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    fields["party_b"]["signer_name"] = "Người Không Có Tài Khoản"
    assert client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields}).status_code == 200
    login(client, "vanthu")
    token = csrf_token(client, f"/documents/{doc_id}")
    resp = client.post(f"/documents/{doc_id}/submit", data={"csrf_token": token}, follow_redirects=True)
    page = _text(resp.get_data(as_text=True))
    assert "Người Không Có Tài Khoản" in page and "signer_name" not in page


# -- item 2 ------------------------------------------------------------------------------------

def test_item2_register_dates_are_vietnam_days(app, client):
    doc_id, h = submitted(client)
    for chair in ("chutich.hkh", "phobithu.td"):
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)
    login(client, "vanthu")
    token = csrf_token(client, f"/documents/{doc_id}/dispatches")
    channels = {k: "paper" for k in re.findall(r'name="(channel_\d+)"',
                                                client.get(f"/documents/{doc_id}/dispatches").get_data(as_text=True))}
    assert client.post(f"/documents/{doc_id}/issue", data={"csrf_token": token, **channels}).status_code == 302
    year = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["issue_date"][:4]
    late_evening = datetime(int(year), 12, 1, 23, 30, tzinfo=UTC)  # 02/12 06:30 in Vietnam
    with app.extensions["khd.sessions"]() as s:
        for d in s.scalars(select(Dispatch).where(Dispatch.document_id == doc_id)):
            d.sent_at = late_evening
        s.commit()
    want = f"02/12/{year}"
    page = client.get(f"/register?year={year}").get_data(as_text=True)
    assert want in page and f"01/12/{year}" not in page
    rows = list(csv.reader(io.StringIO(client.get(f"/register?year={year}&format=csv").data.decode("utf-8-sig"))))
    assert rows[1][7] == want
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/register?year={year}&format=xlsx").data)).active
    assert sheet.cell(row=3, column=8).value.date().strftime("%d/%m/%Y") == want


# -- item 6 ------------------------------------------------------------------------------------

def test_item6_no_inline_styles_the_csp_would_block():
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")
                 if re.search(r"\sstyle\s*=", p.read_text())]
    assert offenders == []


# -- item 7 ------------------------------------------------------------------------------------

def _sequential(client) -> tuple[int, dict]:
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields, "routing": "sequential"})
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).status_code == 200
    return doc_id, h


def test_item7_second_signer_sees_upcoming_without_a_sign_button(client):
    doc_id, _ = _sequential(client)  # party_a (Tỉnh đoàn) signs first, then the Hội chair
    login(client, "chutich.hkh")
    home = client.get("/home").get_data(as_text=True)
    to_sign = home.split("Văn bản chờ tôi ký", 1)[1].split("</section>", 1)[0]
    assert f"/documents/{doc_id}" not in to_sign
    assert "Sắp đến lượt" in home and f"/documents/{doc_id}" in home.split("Sắp đến lượt", 1)[1]
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert 'data-open-dialog="sign-dialog"' not in page and 'id="not-my-turn"' in page
    assert sign(client, doc_id, "phobithu.td").status_code == 200
    home = client.get("/home").get_data(as_text=True)
    assert f"/documents/{doc_id}" in home.split("Văn bản chờ tôi ký", 1)[1].split("</section>", 1)[0]
    assert 'data-open-dialog="sign-dialog"' in client.get(f"/documents/{doc_id}").get_data(as_text=True)


# -- item 8 ------------------------------------------------------------------------------------

def test_item8_sign_dialog_names_the_document_and_preview_opens_at_the_field(client):
    doc_id, h = submitted(client)
    doc = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()
    login(client, "chutich.hkh")
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    dialog = page.split('id="sign-dialog"', 1)[1].split("</dialog>", 1)[0]
    # no number yet: the lead's clerk gives it at sealing, after both chairs have signed
    assert doc["doc_number"] is None and "chưa có số" in _text(dialog) and doc["title"] in _text(dialog)
    src = re.search(r'<iframe class="preview"[^>]*src="([^"]+)"', page).group(1)
    match = re.search(r"#page=(\d+)&amp;highlight=(\d+),(\d+),(\d+),(\d+)$", src)
    assert match, src
    pdf = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    page_no = match.group(1)
    text = subprocess.run(["pdftotext", "-f", page_no, "-l", page_no, "-", "-"], input=pdf,
                          capture_output=True, check=True).stdout.decode()
    assert "Đặng Thị Hoa" in text  # the page the preview opens is the one with this chair's block
    left, right, top, bottom = (int(v) for v in match.groups()[1:])
    assert left < right and top < bottom
    assert re.search(r"Ô chữ ký bên [AB], trang " + page_no, _text(dialog))
    marked = client.get(src.split("#")[0].replace("&amp;", "&"))
    from pyhanko.pdf_utils.reader import PdfFileReader
    reader = PdfFileReader(io.BytesIO(marked.data))
    page_ref, _ = reader.find_page_for_modification(int(page_no) - 1)
    frames = [a.get_object() for a in page_ref.get_object()["/Annots"]
              if a.get_object().get("/Subtype") == "/Square"]
    assert len(frames) == 1  # the field is framed in the signer's preview
    x1, y1, x2, y2 = (float(v) for v in frames[0]["/Rect"])
    assert x1 < left < right < x2
    assert client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data == pdf  # the record is untouched


# -- item 9 ------------------------------------------------------------------------------------

ENGLISH = ("Common Name", "Title:", "Organization", "Country", "ENTIRE_REVISION", "ENTIRE_FILE", "FORM_FILLING",
           "FILL_FORMS", "sig_a", "sig_b", "NONE")


def test_item9_validation_report_is_vietnamese(client):
    doc_id, _ = submitted(client)
    for chair in ("chutich.hkh", "phobithu.td"):
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)
    login(client, "vanthu")
    page = _text(client.get(f"/documents/{doc_id}/verification").get_data(as_text=True))
    assert "Hợp lệ" in page and "Tên: Đặng Thị Hoa" in page and "Quốc gia: VN" in page
    assert "Chỉ cho phép điền biểu mẫu và ký" in page and "Ô chữ ký bên A" in page
    assert [w for w in ENGLISH if w in page] == []


def test_item9_template_page_names_placeholders_in_vietnamese(client):
    login(client, "admin")
    page = _text(client.get("/admin/templates/").get_data(as_text=True))
    assert "Tên cơ quan cột trái" in page
    assert "header_left_name" not in page and "sign_left_name" not in page and "placeholder" not in page


def test_item9_labels_module():
    from khuyenhoc_docs import labels_vi

    assert labels_vi.field_label("party_b.signer_name") == "Bên B · Họ tên người ký"
    assert labels_vi.field_label("contents[2]") == "Nội dung phối hợp (mục 3)"
    assert labels_vi.subject_label("Common Name: A, Organizational Unit: B, Country: VN") == \
        "Tên: A, Đơn vị: B, Quốc gia: VN"
    assert labels_vi.enum_label("docmdp", "FILL_FORMS") == "Chỉ cho phép điền biểu mẫu và ký"


# -- item 11 (the full check is axe-core in tests/browser/test_story.py) -------------------------

def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_item11_login_focus_skip_link_favicon_and_input_borders(client):
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'<input name="username"[^>]*\bautofocus\b', page)
    assert 'class="skip-link" href="#main"' in page and '<main id="main"' in page
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert client.get(icon).status_code == 200
    css = client.get("/static/style.css").get_data(as_text=True)
    border = re.search(r"input, select, textarea \{[^}]*border:1px solid (#[0-9a-fA-F]{6})", css).group(1)
    ratio = (1.0 + 0.05) / (_luminance(border) + 0.05)  # against the white field background
    assert ratio >= 3.0, (border, ratio)


def test_item11_filters_and_list_fields_are_labelled(client):
    login(client, "vanthu")
    for path in ("/documents/", "/register", "/documents/new"):
        html = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if 'type="hidden"' in tag or "aria-label=" in tag:
                continue
            ident = re.search(r'\bid="([^"]+)"', tag)
            labelled = ident and f'for="{ident.group(1)}"' in html
            # Otherwise the control must sit inside a <label> (checked by the closing tag that follows it).
            before = html[:html.index(tag)]
            assert labelled or before.rfind("<label") > before.rfind("</label>"), (path, tag)
