"""The customer's voice in a real browser: a manager confirms an unkind-service report and sees
the coupon; a customer answers the survey link once; the published results at two widths."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from notifications.models import Notification
from requests_desk import cases
from requests_desk.homepage.survey_results import default_quarter
from requests_desk.models.voice import GiftCoupon, SurveySource
from tests.browser.support import log_in
from tests.factories import CustomerContactFactory
from tests.requests_desk.desk_support import new_request
from tests.requests_desk.voice_factories import (
    CommendationFactory,
    SurveyResponseFactory,
    UnkindReportFactory,
    infrastructure,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]


def test_a_manager_confirms_an_unkind_service_report_and_sees_the_coupon(
    live_server, page: Page, artifacts
):
    report = UnkindReportFactory()
    base = live_server.url
    log_in(page, base, "manager", "/desk/voice/")

    page.locator("a[href$='/desk/voice/unkind-reports/']").click()
    row = page.locator(f'#unkind-reports tr[data-report="{report.pk}"]')
    expect(row).to_have_attribute("data-state", "pending")
    expect(row).to_contain_text("김민지")
    row.locator("a").click()

    expect(page.locator(".report-occasion")).to_contain_text("상담원이 말을 끊었습니다")
    page.locator("#id_note").fill("녹취 확인 결과 사실로 확인되었습니다.")
    page.locator("button[name=decision][value=confirm]").click()

    coupon = page.locator("#coupon-code")
    expect(coupon).to_have_text(re.compile(r"^GC-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$"))
    expect(page.locator("#report-state")).to_have_attribute("data-state", "confirmed")
    assert coupon.inner_text() == GiftCoupon.objects.get(report_id=report.pk).code
    page.screenshot(path=artifacts / "voice-unkind-confirmed.png", full_page=True)


def test_a_customer_rates_through_the_survey_link_once(live_server, page: Page, artifacts):
    staff = get_user_model().objects.get(username="staff")
    case = new_request(staff, customer=CustomerContactFactory(email="survey@example.com"))
    cases.request_set_status(case, actor=staff, status="resolved")
    # The demo's past requests have invitations of their own: this case's one.
    body = Notification.objects.get(
        idempotency_key__startswith="survey-invitation:", subject_id=case.pk
    ).body
    path = re.search(r"/surveys/[A-Za-z0-9_-]+/", body).group(0)

    page.goto(f"{live_server.url}{path}")
    expect(page.locator("main")).to_contain_text(case.tracking_code)
    page.locator("#id_score_1").check()  # 4
    page.locator("#id_comment").fill("빠르고 친절했습니다.")
    page.screenshot(path=artifacts / "voice-survey.png", full_page=True)
    page.locator("#survey-form button[type=submit]").click()
    expect(page.locator("#survey-thanks")).to_be_visible()

    page.goto(f"{live_server.url}{path}")
    expect(page.locator("#survey-closed")).to_be_visible()
    expect(page.locator("#survey-closed")).not_to_be_empty()
    assert page.locator("#survey-form").count() == 0
    page.screenshot(path=artifacts / "voice-survey-used.png", full_page=True)


def test_the_published_results_at_desktop_and_phone_width(live_server, page: Page, artifacts):
    quarter = default_quarter()
    day = quarter.start + timedelta(days=20, hours=6)
    for score in (5, 5, 4, 4, 3, 1):
        SurveyResponseFactory(division=infrastructure(), score=score, at=day)
    for score in (4, 4, 4, 4, 2):
        SurveyResponseFactory(
            division=infrastructure(), score=score, at=day, source=SurveySource.PHONE_MONITORING
        )

    page.goto(f"{live_server.url}/surveys/results/")
    customer = page.locator('section[data-source="customer"]')
    expect(customer.locator(".group-average").first).to_have_text("3.67")
    expect(page.locator("#small-groups-note")).to_be_visible()
    page.screenshot(path=artifacts / "voice-results-desktop.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(customer.locator(".group-count").first).to_have_text("6")
    page.screenshot(path=artifacts / "voice-results-phone.png", full_page=True)

    # A quarter that has not begun is refused with the reason, the selector still there.
    page.goto(f"{live_server.url}/en/surveys/results/?quarter=2999Q1")
    expect(page.locator("#quarter-errors")).to_contain_text("2999Q1 has not begun yet")
    expect(page.locator("#quarter")).to_be_visible()


def test_a_manager_acknowledges_a_commendation_which_then_shows_on_the_profile(
    live_server, page: Page, artifacts
):
    manager = get_user_model().objects.get(username="manager")
    staff = get_user_model().objects.get(username="staff")
    commendation = CommendationFactory(routed_to=manager, employee_name="김직원")
    base = live_server.url
    log_in(page, base, "manager", "/desk/voice/commendations/")

    card = page.locator(f'article[data-commendation="{commendation.pk}"]')
    expect(card).to_contain_text("장애 대응 중 끝까지 친절하게")
    card.locator("select").select_option(str(staff.pk))
    page.screenshot(path=artifacts / "voice-commendations.png", full_page=True)
    card.locator("button[type=submit]").click()
    expect(page.locator("main .alert-success")).to_be_visible()

    page.goto(f"{base}/desk/people/staff/")
    expect(page.locator("#commendations")).to_contain_text("장애 대응 중 끝까지 친절하게")

    page.goto(f"{base}/desk/voice/phone-scores/")
    page.locator("#id_division").select_option(label="인프라본부")
    page.locator("#id_score_2").check()
    page.locator("#id_comment").fill("첫인사와 끝인사 모두 좋았습니다.")
    page.locator("#phone-score-form button[type=submit]").click()
    expect(page.locator("#phone-scores")).to_contain_text("첫인사와 끝인사 모두 좋았습니다.")
    page.screenshot(path=artifacts / "voice-phone-scores.png", full_page=True)
