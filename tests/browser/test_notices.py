"""A suspension notice in a real browser: staff plan it and publish it, and customers see it
on the homepage with the lead time given. Screenshots of the homepage at desktop and phone
widths go to ``test-artifacts/``."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from commitments.models import Service
from notifications.notices.models import SuspensionPlan
from tests.browser.support import log_in
from tests.seoul import SEOUL

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]


def test_staff_plan_and_publish_a_suspension_and_the_homepage_shows_it_with_its_lead(
    live_server, page: Page, artifacts
):
    base = live_server.url
    network = Service.objects.get(code="network")
    start = (datetime.now(SEOUL) + timedelta(days=10)).replace(
        hour=22, minute=0, second=0, microsecond=0
    )
    log_in(page, base, "staff", "/desk/notices/suspensions/new/")

    # Forgetting the cause: the form comes back with the error summary and keeps the rest.
    page.locator(f"input[name=services][value='{network.pk}']").check()
    page.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_ends_at").fill((start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("input[name=channels][value=screen]").check()
    page.locator("input[name=channels][value=email]").check()
    page.locator("#id_title_ko").fill("네트워크 정기 점검 안내")
    page.locator("#id_body_ko").fill("정기 점검으로 네트워크 서비스가 4시간 중단됩니다.")
    page.locator("#id_title_en").fill("Network regular check-up")
    page.locator("#suspension-form button[type=submit]").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    expect(summary.locator('a[href="#id_cause"]')).to_be_visible()
    expect(page.locator("#id_title_ko")).to_have_value("네트워크 정기 점검 안내")
    page.screenshot(path=artifacts / "suspension-form-errors.png", full_page=True)
    page.locator("#id_cause").select_option("regular_check")
    page.locator("#suspension-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/desk/notices/suspensions/\d+/$"))
    expect(page.locator("#notice-clock")).to_have_attribute("data-state", "running")
    page.locator("#publish").click()
    expect(page.locator("#notice-clock")).to_have_attribute("data-state", "met")

    plan = SuspensionPlan.objects.get(title_ko="네트워크 정기 점검 안내")
    days = plan.lead_days
    assert days in (9, 10)
    page.goto(f"{base}/en/")
    notice = page.locator(f'#upcoming-suspensions [data-suspension="{plan.pk}"]')
    expect(notice).to_contain_text("Network regular check-up")
    expect(notice).to_contain_text(f"Notice: {days} days before")
    expect(notice).to_contain_text(start.strftime("%Y-%m-%d"))
    expect(notice).to_contain_text("22:00")

    # A customer, without an account, sees it on the Korean homepage.
    page.locator("nav form[action$='/logout/'] button").click()
    page.goto(f"{base}/")
    expect(page.locator(f'[data-suspension="{plan.pk}"]')).to_contain_text(
        "네트워크 정기 점검 안내"
    )
    page.screenshot(path=artifacts / "home-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "home-phone.png", full_page=True)
    page.screenshot(path=artifacts / "home-phone-first-screen.png")
    # Nothing sticks out sideways on a phone.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_the_public_pages_work_for_a_visitor_without_an_account(live_server, page: Page, artifacts):
    page.goto(f"{live_server.url}/en/")
    page.locator('a[data-entry="notices:emergency-contacts"]').click()
    expect(page).to_have_url(f"{live_server.url}/en/emergency-contacts/")
    expect(page.locator("#emergency-contacts tbody tr").first).to_be_visible()
    page.screenshot(path=artifacts / "emergency-contacts.png", full_page=True)
    page.goto(f"{live_server.url}/en/notices/announcements/")
    expect(page.locator("h1")).to_have_text("koscomDATA Announcement")
