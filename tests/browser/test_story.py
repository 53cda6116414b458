"""The whole story in headless Chromium (Debian's), driven by Playwright, one screenshot per step."""
from __future__ import annotations

import re
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORD, make_app
from tests.factories import make_user
from tests.services.smtp import SmtpServer
from tests.test_followup import first_report_year

pytestmark = pytest.mark.slow
SHOTS = Path(__file__).resolve().parent.parent / "_artifacts" / "story"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"  # scripts/npm-ensure.sh
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}`);
}"""
CHROMIUM = "/usr/bin/chromium"
LINK_RE = re.compile(r"(http://[^\s]+/r/[A-Za-z0-9_\-=.]+)")


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def live_app(seeded_template_dir, tmp_path_factory, smtp):
    """The served app: (base URL, app)."""
    import shutil

    data_dir = tmp_path_factory.mktemp("story") / "data"
    shutil.copytree(seeded_template_dir, data_dir)
    server = make_server("127.0.0.1", 0, None, threaded=True)  # bound first to learn the port
    port = server.socket.getsockname()[1]
    server.server_close()
    app = make_app(data_dir, smtp_host=smtp.host, smtp_port=smtp.port, jobs_immediate=True,
                   base_url=f"http://127.0.0.1:{port}")
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", app
    server.shutdown()
    app.extensions["khd.engine"].dispose()


@pytest.fixture(scope="module")
def live(live_app) -> str:
    return live_app[0]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


class Story:
    """One browser context per person; every step leaves a screenshot and is checked with axe-core."""

    def __init__(self, browser, base: str) -> None:
        self.browser, self.base, self.step = browser, base, 0
        self.violations: dict[str, list[str]] = {}
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert AXE.is_file(), "axe-core is missing: run scripts/npm-ensure.sh (make test does)"

    def context(self, **kwargs):
        """A browser context whose pages all carry axe-core (an init script: the CSP does not apply)."""
        ctx = self.browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900}, **kwargs)
        ctx.add_init_script(path=str(AXE))
        return ctx

    def check(self, page, name: str) -> None:
        """Serious and critical accessibility violations of the page as it is now (axe-core)."""
        found = page.evaluate(AXE_RUN)
        if found:
            self.violations[f"{name} ({page.url})"] = found

    def as_user(self, username: str):
        page = self.context(accept_downloads=True).new_page()
        page.goto(self.base + "/login")
        # The browser runs autofocus at its next rendering update, which may come after the
        # load event goto waits for: wait for it (a login page without autofocus times out).
        page.wait_for_function("document.activeElement && document.activeElement.name === 'username'", timeout=5000)
        self.check(page, f"login-{username}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/home$"))
        return page

    def shot(self, page, name: str) -> None:
        self.step += 1
        page.screenshot(path=str(SHOTS / f"{self.step:02d}-{name}.png"), full_page=False)
        self.check(page, name)


def test_the_whole_story(browser, live_app, smtp, tmp_path):
    live, app = live_app
    story = Story(browser, live)
    year = first_report_year()  # the programme runs from the year of the next 15/11: its units report then

    clerk = story.as_user("vanthu")
    assert "Dự thảo của đơn vị" in clerk.content()
    clerk.goto(live + "/documents/new?kind=programme_province")
    assert clerk.input_value("input[name='party_b.signer_name']") == "Đặng Thị Hoa"
    clerk.fill("input[name=period]", f"{year} – {year + 4}")
    story.shot(clerk, "draft-form")
    clerk.click("#draft-form button[type=submit]")
    clerk.wait_for_selector("text=Đã tạo dự thảo")
    story.shot(clerk, "draft-created")
    clerk.click("button:text-is('Trình ký')")
    clerk.wait_for_selector("text=Đã trình ký.")
    doc_url = clerk.url
    story.shot(clerk, "submitted")

    for chair in ("chutich.hkh", "phobithu.td"):
        page = story.as_user(chair)
        assert "Văn bản chờ tôi ký" in page.content()
        page.goto(doc_url)
        page.click("button[data-open-dialog=sign-dialog]")
        page.fill("#sign-dialog input[name=secret]", DEMO_PASSWORD)
        story.shot(page, f"sign-dialog-{chair}")
        page.click("#sign-dialog button[type=submit]")
        page.wait_for_selector("text=Đã ký.")
        story.shot(page, f"signed-{chair}")
        page.context.close()
    # the lead's clerk numbers, dates and seals from the home page; the partner's clerk seals
    clerk.goto(live + "/home")
    lead_list = clerk.inner_text("#to-seal-lead")
    assert "Chờ cấp số, đóng dấu" in lead_list and "Số: 01/CTPH-HKH-TĐ" in lead_list
    clerk.fill("#to-seal-lead input[name=secret]", DEMO_PASSWORD)
    story.shot(clerk, "seal-lead")
    clerk.click("#to-seal-lead button[type=submit]")
    clerk.wait_for_selector("text=và đóng dấu; chờ văn thư bên phối hợp")
    number = re.search(r"Đã cấp số (\S+) và đóng dấu", clerk.content()).group(1)
    assert re.fullmatch(r"\d\d/CTPH-HKH-TĐ", number)
    partner = story.as_user("vanthu.td")
    assert number in partner.inner_text("#to-seal-partner")
    partner.fill("#to-seal-partner input[name=secret]", DEMO_PASSWORD)
    partner.click("#to-seal-partner button[type=submit]")
    partner.wait_for_selector("text=Đã đóng dấu. Văn bản số")
    story.shot(partner, "sealed-partner")
    partner.context.close()
    clerk.goto(doc_url)
    assert "Đã đóng dấu" in clerk.inner_text(".status")

    clerk.click("text=Phát hành")
    clerk.click("form[action$='/issue'] button[type=submit]")
    clerk.wait_for_selector("text=Đã phát hành tới 9 nơi nhận")
    assert "9/9 đã gửi" in clerk.content()
    story.shot(clerk, "issued")

    messages = smtp.messages()
    mail = next(m for m in messages if number in m["Subject"])
    link = LINK_RE.search(mail.get_body(preferencelist=("plain",)).get_content()).group(1)
    recipient = story.context().new_page()
    recipient.goto(link)
    assert number in recipient.content()
    story.shot(recipient, "recipient-link")
    recipient.click("text=Đã nhận")
    recipient.wait_for_selector("#ack-status")
    story.shot(recipient, "recipient-confirmed")
    clerk.reload()
    assert "1 đã xác nhận" in clerk.content()

    unit_hands_in_and_signs_its_report(story, app, year)

    archivist = story.as_user("luutru")
    archivist.fill("input[name=q]", "Gia đình học tập")
    archivist.click("form.inline button")
    archivist.wait_for_selector("mark")
    story.shot(archivist, "search")
    archivist.click(f"text={number}")
    archivist.click("text=Báo cáo kiểm tra chữ ký")
    report = archivist.inner_text("main")
    assert report.count("Hợp lệ") >= 4 and "Đặng Thị Hoa" in report and "Lâm Như Quỳnh" in report
    assert report.count("chữ ký số của cơ quan, tổ chức") == 2 and "Tỉnh đoàn Bến Tre" in report
    story.shot(archivist, "validation-report")
    archivist.go_back()
    # Fetched with the archivist's browser session (headless Chromium's download events are unreliable here).
    href = archivist.get_attribute("#evidence-link", "href")
    resp = archivist.request.get(live + href, timeout=120_000)
    assert resp.ok and resp.headers["content-type"] == "application/zip"
    path = tmp_path / "evidence.zip"
    path.write_bytes(resp.body())
    assert "manifest.json" in zipfile.ZipFile(path).namelist()
    story.shot(archivist, "evidence-downloaded")
    for path in ("/documents/", "/register", "/reports", "/verify", "/outbox/", "/recipients",
                 f"/documents/{doc_url.rsplit('/', 1)[1]}/dispatches", "/documents/new"):
        clerk.goto(live + path)
        story.check(clerk, f"clerk {path}")
    assert story.violations == {}, "\n".join(f"{k}: {v}" for k, v in story.violations.items())


def unit_hands_in_and_signs_its_report(story: Story, app, year: int) -> None:
    """A district unit's clerk hands in the pre-filled report .docx; its chair looks at the PDF it
    becomes and signs it (the issued programme created the unit's obligation)."""
    from khuyenhoc_docs.credentials import issue_demo_credential
    from khuyenhoc_docs.models import User

    unit = "Hội Khuyến học huyện Giồng Trôm"
    make_user(app, "vanthu.gt", unit, "clerk")
    chair_id = make_user(app, "chutich.gt", unit, "chair", full_name="Võ Văn Tài")
    with app.extensions["khd.sessions"]() as s:
        issue_demo_credential(s, app.extensions["khd.services"].demo_pki.ca, s.get(User, chair_id), DEMO_PASSWORD)
        s.commit()
    clerk = story.as_user("vanthu.gt")
    clerk.goto(f"{story.base}/reports?year={year}")
    row = clerk.locator("tr", has_text=unit)
    template = clerk.request.get(story.base + row.locator("a", has_text="Mẫu báo cáo").get_attribute("href"))
    assert template.ok
    row.locator("input[type=file]").set_input_files(
        {"name": "bao-cao-giong-trom.docx", "buffer": template.body(),
         "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"})
    row.locator("button", has_text="Nộp").click()
    clerk.wait_for_selector("text=Đã nộp báo cáo.")
    assert "không ký được" not in clerk.inner_text("main")  # the pre-filled .docx points at nothing outside
    story.shot(clerk, "report-handed-in")
    clerk.context.close()

    chair = story.as_user("chutich.gt")
    chair.goto(f"{story.base}/reports?year={year}")
    row = chair.locator("tr", has_text=unit)
    preview = chair.request.get(story.base + row.locator("a", has_text="Xem bản PDF sẽ ký").get_attribute("href"))
    assert preview.ok and preview.headers["content-type"] == "application/pdf" and preview.body().startswith(b"%PDF")
    row.locator("input[name=secret]").fill(DEMO_PASSWORD)
    story.shot(chair, "report-to-sign")
    row.locator("button", has_text="Ký báo cáo").click()
    chair.wait_for_selector("text=Đã ký số báo cáo.")
    row = chair.locator("tr", has_text=unit)
    assert "Đã ký số" in row.inner_text() and "bao-cao-giong-trom.pdf" in row.inner_text()
    story.shot(chair, "report-signed")
    signed = chair.request.get(story.base + row.locator("a.report-file").get_attribute("href"))
    assert signed.headers["content-type"] == "application/pdf" and b"/ByteRange" in signed.body()
    (SHOTS / "report-signed.pdf").write_bytes(signed.body())
    chair.context.close()


def test_an_edxml_package_is_received_and_answered_with_a_cong_van(browser, live_app):
    """Another organisation's system POSTs an edXML package; the clerk finds it in the incoming register
    (typed without diacritics), answers with "Trả lời", writes the công văn's body and sees its draft."""
    import requests

    from khuyenhoc_docs.drafting.reference import reference_fields
    from tests.edxml.test_incoming import signed_package
    from tests.flow import api_token, sign_and_seal, submit

    def sealed_pdf(client) -> bytes:
        """A new programme, signed and sealed (the demo draft may already be the other story's record)."""
        h = api_token(client, "vanthu")
        doc_id = client.post("/api/v1/documents", headers=h, json={
            "kind": "programme_province", "fields": reference_fields().to_dict()}).get_json()["id"]
        submit(client, doc_id)
        sign_and_seal(client, doc_id)
        return client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data

    live, app = live_app
    client = app.test_client()
    # in a thread of its own: the browser fixture's Playwright loop runs in this one, and signing uses asyncio
    with ThreadPoolExecutor(1) as pool:
        pdf = pool.submit(sealed_pdf, client).result()
    token = requests.post(live + "/api/v1/auth/token", json={"username": "vanthu", "password": DEMO_PASSWORD},
                          timeout=30).json()["token"]
    got = requests.post(live + "/api/v1/incoming/edxml", data=signed_package(app, pdf, number="77"), timeout=120,
                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"})
    assert got.status_code == 201, got.text
    (incoming_id,) = got.json()["ids"]

    story = Story(browser, live)
    clerk = story.as_user("vanthu")
    clerk.goto(live + "/incoming?q=khuyen+tai+giai+doan")
    assert clerk.locator(f"a[href='/incoming/{incoming_id}']").count() >= 1
    story.shot(clerk, "incoming-register-search")
    clerk.goto(live + f"/incoming/{incoming_id}")
    assert "77/CTPH-HKVN-ĐTNCSHCM" in clerk.content()
    story.shot(clerk, "incoming-document")
    clerk.click("#reply button[type=submit]")
    clerk.wait_for_url(re.compile(r".*/documents/\d+/edit$"))
    assert clerk.input_value("#list-addressees textarea") == "Hội Khuyến học Việt Nam"
    assert clerk.locator("#list-purposes").count() == 0  # a công văn, not a programme
    # a công văn's symbol has no kind abbreviation (Decree 30): the field is empty and may stay so
    assert clerk.input_value("input[name=type_abbr]") == ""
    assert clerk.get_attribute("input[name=type_abbr]", "required") is None
    clerk.fill("#list-contents textarea", "Hai đơn vị thống nhất triển khai nội dung phối hợp trên địa bàn tỉnh.")
    story.shot(clerk, "reply-letter-form")
    clerk.click("#draft-form button[type=submit]")
    clerk.wait_for_selector("text=Đã lưu phiên bản mới.")
    assert "Trả lời văn bản đến số" in clerk.content()
    story.shot(clerk, "reply-letter-saved")
    pdf = clerk.request.get(clerk.url + "/file", timeout=120_000)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    (SHOTS / "reply-letter.pdf").write_bytes(pdf.body())
    assert story.violations == {}, "\n".join(f"{k}: {v}" for k, v in story.violations.items())
