"""The desk's daily tools in a real browser: an answer from a canned reply with a file, two
duplicates merged, and twenty requests reassigned in one action."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from requests_desk.models import Activity, Attachment, CannedReply, Request
from tests.browser.support import answer_with_canned_reply, log_in
from tests.factories import CustomerContactFactory
from tests.requests_desk.desk_support import new_request
from tests.requests_desk.public.support import PDF

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.CHARTER_PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def staff():
    return get_user_model().objects.get(username="staff")


def an_hour_ago():
    return timezone.now() - timedelta(hours=1)


def test_staff_answer_with_a_canned_reply_and_a_file(live_server, page: Page, staff, tmp_path):
    reply = CannedReply.objects.create(
        title="검토 결과",
        purpose="feasibility",
        language="ko",
        body="{customer}님, 접수번호 {tracking_code} 건은 처리할 수 있습니다. 담당: {assignee}",
    )
    customer = CustomerContactFactory(name="홍길동", email="hong@example.com")
    case = new_request(staff, customer=customer, assignee=staff, received_at=an_hour_ago())
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(PDF)
    log_in(page, live_server.url, "staff", f"/desk/requests/{case.pk}/")

    # The script fills in the reply as it reads for this case, and its purpose.
    answer_with_canned_reply(
        page,
        reply=reply,
        reads=f"홍길동님, 접수번호 {case.tracking_code} 건은 처리할 수 있습니다",
        purpose="feasibility",
        channel="email",
        file=plan,
    )

    feasibility = page.locator('#clocks tr[data-commitment="common.feasibility"]')
    expect(feasibility).to_have_attribute("data-state", "met")
    told = Activity.objects.get(request=case, kind="communication")
    assert told.text.startswith(f"홍길동님, 접수번호 {case.tracking_code}")
    assert Attachment.objects.get(activity=told).original_name == "plan.pdf"


def test_two_duplicate_cases_are_merged(live_server, page: Page, staff):
    first = CustomerContactFactory(email="kim@example.com")
    second = CustomerContactFactory(organisation=first.organisation, email="lee@example.com")
    survivor = new_request(staff, customer=first, subject="Screen slow", received_at=an_hour_ago())
    duplicate = new_request(staff, customer=second, subject="Screen slow again")
    log_in(page, live_server.url, "staff", f"/desk/requests/{survivor.pk}/")

    merge = page.locator("#action-merge")
    merge.locator("summary").click()
    merge.locator("#id_merge-duplicate").fill(duplicate.tracking_code)
    merge.locator("#id_merge-note").fill("Same screen, reported twice")
    merge.locator("button[type=submit]").click()

    expect(page.locator("main .alert-success")).to_be_visible()
    expect(page.locator("#timeline .timeline-origin").first).to_contain_text(
        duplicate.tracking_code
    )
    page.goto(f"{live_server.url}/desk/requests/{duplicate.pk}/")
    expect(page.locator("#merged-into")).to_contain_text(survivor.tracking_code)
    expect(page.locator("#request-status")).to_have_attribute("data-status", "closed")
    assert Request.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk


def test_twenty_requests_are_reassigned_in_one_action(live_server, page: Page, staff):
    manager = get_user_model().objects.get(username="manager")
    cases = [
        new_request(staff, subject=f"Bulk journey {i:02d}", received_at=an_hour_ago())
        for i in range(20)
    ]
    log_in(page, live_server.url, "staff", "/desk/requests/")
    page.locator("#id_q").fill("Bulk journey")
    page.keyboard.press("Enter")
    expect(page.locator("#requests tbody tr")).to_have_count(20)

    for case in cases:
        page.locator(f"#select-{case.pk}").check()
    bulk = page.locator("#bulk")
    bulk.locator("#id_bulk-action").select_option("reassign")
    bulk.locator("#id_bulk-assignee").select_option(str(manager.pk))
    bulk.locator("button[type=submit]").click()

    expect(page.locator("#bulk-outcomes tbody tr[data-applied=yes]")).to_have_count(20)
    expect(page.locator("#bulk-summary")).to_contain_text("20")
    assert Request.objects.filter(pk__in=[c.pk for c in cases], assignee=manager).count() == 20
