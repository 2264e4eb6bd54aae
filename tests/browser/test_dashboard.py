"""The SLA dashboard in a real browser: a manager drills down from a breached count to the
request and exports the list; the dashboard and the public scorecard at desktop and phone
widths."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from commitments.deadlines import deadline_start, deadline_stop
from commitments.models import Commitment, Team
from notifications.sweep import sweep
from tests.browser.support import log_in
from tests.factories import RequestFactory
from tests.seoul import SEOUL

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

SUBJECT = "네트워크 장애 — 시세 수신 지연"


def _clock(commitment, request, started):
    return deadline_start(
        commitment=commitment,
        subject_type="request",
        subject_id=request.pk,
        subject_label=request.subject,
        started_at=started,
        division=request.division,
        team=request.team,
    )


def _breached_trouble_plan():
    """A network trouble plan 30 minutes late today, and one kept last month."""
    team = Team.objects.get(code="net-support")
    plan = Commitment.objects.get(code="network.trouble-plan")
    now = timezone.now()
    late = RequestFactory(
        division=team.division, team=team, subject=SUBJECT, kind="network_trouble"
    )
    _clock(plan, late, now - timedelta(hours=1))
    sweep(now=now)  # records the breach at the due instant (and the summary after commit)
    last_month = now.replace(day=1) - timedelta(days=10)
    kept = RequestFactory(
        division=team.division, team=team, subject="지난달 장애", kind="network_trouble"
    )
    deadline_stop(
        _clock(plan, kept, last_month), at=last_month + timedelta(minutes=10), cause="plan told"
    )
    return late


def late_due(request):
    from commitments.models import Deadline

    return Deadline.objects.get(subject_id=str(request.pk)).due_at


def test_a_manager_drills_down_from_a_breach_to_the_request_and_exports_it(
    live_server, page: Page, artifacts
):
    late = _breached_trouble_plan()
    assert get_user_model().objects.get(username="manager").managed_teams.filter(code="net-support")
    base = live_server.url
    # The month of the breach (Asia/Seoul), even in the first minutes of a month.
    day = late_due(late).astimezone(SEOUL).date()
    log_in(page, base, "manager", f"/reports/?day={day:%Y-%m-%d}")
    expect(page.locator("h1")).to_contain_text("SLA")
    row = page.locator('#commitment-figures tr[data-commitment="network.trouble-plan"]')
    breached = row.locator('a[data-figure="breached"]')
    expect(breached).to_have_text(re.compile(r"^[1-9]\d*$"))
    page.screenshot(path=artifacts / "reports-dashboard-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "reports-dashboard-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    breached.click()
    expect(page).to_have_url(re.compile(r"/reports/list/clocks/\?.*outcome=breached"))
    table = page.locator("#drill-down")
    expect(table).to_contain_text(SUBJECT)
    page.screenshot(path=artifacts / "reports-drill-down.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    download = download_info.value
    assert download.suggested_filename == f"clocks-{day:%Y-%m}.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith("\ufeff".encode())
    assert SUBJECT in content.decode("utf-8-sig")

    table.get_by_role("link", name=SUBJECT).click()
    # The clock's link is resolved in the reader's language: Korean, so without /en/.
    expect(page).to_have_url(re.compile(rf"^{base}/desk/requests/{late.pk}/$"))
    expect(page.locator("main")).to_contain_text(late.tracking_code)


def test_a_custom_period_exports_under_a_plain_file_name(live_server, page: Page):
    late = _breached_trouble_plan()
    day = late_due(late).astimezone(SEOUL).date()
    query = f"period=custom&start={day:%Y-%m-%d}&end={day:%Y-%m-%d}&outcome=breached"
    log_in(page, live_server.url, "manager", "/reports/")
    page.goto(f"{live_server.url}/reports/list/clocks/?{query}")
    expect(page.locator("#drill-down")).to_contain_text(SUBJECT)
    for fmt in ("csv", "xlsx"):
        with page.expect_download() as download_info:
            page.locator(f"#export-{fmt}").click()
        name = download_info.value.suggested_filename
        assert name == f"clocks-{day:%Y-%m-%d}_{day:%Y-%m-%d}.{fmt}"


def test_the_public_scorecard_needs_no_account(live_server, page: Page, artifacts):
    _breached_trouble_plan()
    cache.clear()  # the scorecard is cached for a few minutes
    page.goto(f"{live_server.url}/charter/scorecard/")
    table = page.locator("#scorecard")
    expect(table).to_contain_text("100.0 %")
    page.screenshot(path=artifacts / "scorecard-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "scorecard-phone.png", full_page=True)


def test_the_monthly_report_prints_without_the_page_furniture(live_server, page: Page, artifacts):
    late = _breached_trouble_plan()
    day = late_due(late).astimezone(SEOUL).date()
    log_in(page, live_server.url, "manager", f"/reports/monthly/?day={day:%Y-%m-%d}")
    expect(page.locator("h1")).to_contain_text(f"{day:%Y-%m}")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator(".report-filters")).to_be_hidden()
    expect(page.locator("#m-commitments")).to_be_visible()
    page.screenshot(path=artifacts / "reports-monthly-print.png", full_page=True)
    pdf = page.pdf(path=artifacts / "reports-monthly.pdf", format="A4", landscape=True)
    assert pdf.startswith(b"%PDF")
