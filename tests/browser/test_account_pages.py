"""Issue 14 in Chromium: the admin's user editor, a user's own password page and the recipient directory
have no serious or critical accessibility violations (axe-core), and signing out ends the session
(a copied cookie replayed afterwards lands on the sign-in page)."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_story import Story, browser, live, live_app, smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def test_account_pages_are_accessible_and_sign_out_ends_the_session(browser, live):  # noqa: F811
    story = Story(browser, live)
    admin = story.as_user("admin")
    admin.goto(live + "/admin/users")
    story.check(admin, "users")
    admin.locator("tr", has_text="luutru").locator("a", has_text="Sửa").click()
    admin.wait_for_selector("text=Đặt lại mật khẩu")
    story.check(admin, "user-edit")
    admin.fill("input[name=password]", "ngan")
    admin.fill("input[name=password_confirm]", "ngan")
    admin.click("button:has-text('Đặt lại mật khẩu')")
    assert "Mật khẩu phải có từ 8 đến 256 ký tự." in admin.inner_text(".field-error")
    story.check(admin, "user-edit-errors")

    clerk = story.as_user("vanthu")
    clerk.click("text=Đổi mật khẩu")
    story.check(clerk, "own-password")
    clerk.goto(live + "/recipients")
    assert "Danh bạ của Hội Khuyến học tỉnh Bến Tre" in clerk.content()
    story.check(clerk, "recipients")
    assert not story.violations, story.violations

    copied = clerk.context.cookies()
    clerk.click("text=Đăng xuất")
    clerk.wait_for_url(re.compile(r".*/login$"))
    replay = story.context()
    replay.add_cookies(copied)
    page = replay.new_page()
    page.goto(live + "/home")
    assert "/login" in page.url  # the server ended that session: the copy names nothing
