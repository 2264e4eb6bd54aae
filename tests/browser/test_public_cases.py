"""The homepage's case journey in a real browser: a customer files a complaint in Korean, staff
answer it from the queue, and the customer reads the answer on the tracking page."""

import re

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.browser.support import log_in
from tests.requests_desk.public.support import forget_rate_limits
from tests.seoul import kst

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

SUBJECT = "시세 수신 지연 건"
ANSWER = "회선 설정을 바로잡았습니다. 지금은 지연 없이 수신됩니다."
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def fresh_limits():
    forget_rate_limits()
    yield
    forget_rate_limits()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Content-Security-Policy violations the page logs (a script or style it blocked).

    Other console errors are expected: a refused form answers 400, and no favicon is served."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and errors.append(message.text),
    )
    return errors


def test_a_complaint_in_korean_is_answered_by_staff_and_read_on_the_tracking_page(
    live_server, page: Page, artifacts, console_errors
):
    base = live_server.url
    # A Wednesday morning: the same-day clock is due at 18:00, before the manager's feedback.
    with time_machine.travel(kst(2026, 12, 2, 10, 0), tick=True):
        page.goto(f"{base}/complaint/")
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        page.locator("#id_name").fill("홍길동")
        page.keyboard.press("Tab")
        expect(page.locator("#id_organisation")).to_be_focused()
        page.keyboard.type("예시증권")
        page.locator("#id_email").fill("hong@example.com")
        page.locator("#id_category").select_option("complaint")
        page.locator("#id_subject").fill(SUBJECT)
        page.locator("#id_message").fill(
            "오늘 오전부터 시세가 10초씩 늦게 들어옵니다. <확인> 부탁드립니다 🙏"
        )
        page.locator("#id_consent").check()
        page.locator("#complaint-form button[type=submit]").click()

        expect(page).to_have_url(f"{base}/complaint/done/")
        code = page.locator("#tracking-code").inner_text().strip()
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", code), code

        # Staff see it in their queue with its same-day clock, and answer it by e-mail.
        page.context.clear_cookies()
        log_in(page, base, "staff", "/desk/")
        row = page.locator("#queue tr", has_text=SUBJECT)
        expect(row).to_be_visible()
        expect(row).to_contain_text(code)
        expect(row).to_contain_text("common.homepage-input")
        expect(row).to_have_attribute("data-clock", "on_track")
        row.get_by_role("link", name=SUBJECT).click()
        same_day = page.locator('#clocks tr[data-commitment="common.homepage-input"]')
        expect(same_day).to_have_attribute("data-state", "running")
        expect(same_day.locator("time")).to_have_attribute("datetime", "2026-12-02T18:00:00+09:00")
        tell = page.locator("#action-communicate")
        tell.locator("#id_communicate-purpose").select_option("result")
        tell.locator("#id_communicate-channel").select_option("email")
        tell.locator("#id_communicate-summary").fill(ANSWER)
        tell.locator("button[type=submit]").click()
        expect(same_day).to_have_attribute("data-state", "met")
        page.locator("nav form[action$='/logout/'] button").click()

        # The customer follows the case with the code and their e-mail, and reads the answer.
        page.context.clear_cookies()
        page.goto(f"{base}/track/")
        page.locator("#id_tracking_code").fill(code.lower())
        page.locator("#id_email").fill("Hong@Example.com")
        page.locator("#id_email").press("Enter")
        expect(page).to_have_url(f"{base}/track/{code}/")
        timeline = page.locator("#public-timeline")
        expect(timeline.locator('[data-kind="communication"]')).to_contain_text(ANSWER)
        expect(page.locator("#tracking-code")).to_have_text(code)

        # They write back; the message joins the timeline.
        page.locator("#id_message").fill("확인했습니다. 감사합니다!")
        page.locator("#reply-form button[type=submit]").click()
        expect(timeline.locator('[data-kind="customer_message"]')).to_contain_text("감사합니다")
        page.screenshot(path=artifacts / "public-track-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=artifacts / "public-track-phone.png", full_page=True)

    assert console_errors == []


def test_the_complaint_form_with_errors_keeps_what_was_typed_and_leads_to_each_field(
    live_server, page: Page, artifacts, console_errors
):
    base = live_server.url
    page.goto(f"{base}/complaint/")
    page.locator("#id_name").fill("김민수")
    page.locator("#id_email").fill("not-an-address")
    page.locator("#id_message").fill("첨부와 함께 보냅니다 😀")
    page.locator("#id_subject").press("Enter")

    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    for field in ("organisation", "email", "category", "subject", "consent"):
        expect(summary.locator(f'a[href="#id_{field}"]')).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("김민수")
    expect(page.locator("#id_message")).to_have_value("첨부와 함께 보냅니다 😀")
    page.screenshot(path=artifacts / "public-complaint-errors-desktop.png", full_page=True)
    summary.locator('a[href="#id_subject"]').click()
    expect(page.locator("#id_subject")).to_be_focused()
    # The honeypot is out of sight and out of the tab order.
    expect(page.locator("#id_website")).not_to_be_in_viewport()
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts / "public-complaint-errors-phone.png", full_page=True)
    assert console_errors == []
