"""The receiving clerk in headless Chromium: an incoming document found in the archive search, answered
with "Trả lời", the reply draft naming what it answers (axe-core checks each page, as in the story)."""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.browser.test_story import CHROMIUM, Story
from tests.conftest import api_token
from tests.edxml.test_incoming import post, signed_package

pytestmark = pytest.mark.slow


@pytest.fixture
def served(exchange_app, signed_pdf) -> Iterator[tuple[str, int]]:
    """The app with one registered incoming document, served on a free port: (base URL, incoming id)."""
    client = exchange_app.test_client()
    (incoming_id,) = post(client, api_token(client, "vanthu"), signed_package(exchange_app, signed_pdf)).get_json()["ids"]
    server = make_server("127.0.0.1", 0, exchange_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.socket.getsockname()[1]}", incoming_id
    server.shutdown()


def test_clerk_finds_and_answers_an_incoming_document(served):
    from playwright.sync_api import sync_playwright

    base, incoming_id = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            story = Story(browser, base)
            clerk = story.as_user("vanthu")
            clerk.goto(base + "/search?q=van+ban+den+so")
            hit = clerk.locator(".hit.incoming")
            assert "Văn bản đến" in hit.inner_text() and "40/CTPH-HKVN-ĐTNCSHCM" in hit.inner_text()
            story.shot(clerk, "incoming-search")
            hit.locator("a").click()
            clerk.wait_for_url(re.compile(rf".*/incoming/{incoming_id}$"))
            story.shot(clerk, "incoming-page")
            clerk.click("#reply button[type=submit]")
            clerk.wait_for_url(re.compile(r".*/documents/\d+/edit$"))
            assert "Đã tạo dự thảo văn bản trả lời" in clerk.content()
            assert clerk.input_value("textarea[name=preamble]").startswith(
                "Phúc đáp văn bản số 40/CTPH-HKVN-ĐTNCSHCM, ngày 19/9/2026 của Hội Khuyến học Việt Nam")
            story.shot(clerk, "reply-draft-form")
            reply_url = clerk.url.removesuffix("/edit")
            clerk.goto(reply_url)
            clerk.click(".incoming-link a")
            clerk.wait_for_url(re.compile(rf".*/incoming/{incoming_id}$"))
            assert clerk.locator(f"#derived a[href='{reply_url.removeprefix(base)}']").count() == 1
            story.shot(clerk, "incoming-with-reply")
            assert story.violations == {}, "\n".join(f"{k}: {v}" for k, v in story.violations.items())
        finally:
            browser.close()
