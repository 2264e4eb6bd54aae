"""The SLA dashboard in a real browser: a manager drills down from a breached count to the
request and exports the list; the dashboard and the public scorecard at desktop and phone
widths."""

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Page, expect

from commitments.deadlines import deadline_start, deadline_stop
from commitments.models import Commitment, Deadline, Team
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
    # Ten days before the 1st in Seoul: in the first hours of a Seoul month, UTC's is the last.
    last_month = now.astimezone(SEOUL).replace(day=1) - timedelta(days=10)
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


def _last_full_month_and_quarter(day: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The last full month and quarter before ``day``, each as its first and last day."""
    month_end = day.replace(day=1) - timedelta(days=1)
    quarter_end = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1) - timedelta(days=1)
    quarter_start = quarter_end.replace(month=quarter_end.month - 2, day=1)
    return (month_end.replace(day=1), month_end), (quarter_start, quarter_end)


def _trouble_plans_kept_and_late(first: date, last: date) -> tuple[int, int]:
    """The network trouble plans due on those Seoul days: kept in time, and late."""
    due = Deadline.objects.filter(
        commitment_code="network.trouble-plan",
        due_at__gte=datetime.combine(first, time.min, tzinfo=SEOUL),
        due_at__lt=datetime.combine(last + timedelta(days=1), time.min, tzinfo=SEOUL),
    )
    return due.filter(state="met").count(), due.filter(state="breached").count()


def _figures(kept: int, late: int) -> list[str]:
    share = "—" if kept + late == 0 else f"{100 * kept / (kept + late):.1f} %"
    return [f"{kept} / {kept + late}", share]


def test_the_public_scorecard_needs_no_account(live_server, page: Page, artifacts):
    _breached_trouble_plan()
    # The plan kept last month always counts there. The demo's network trouble, received two
    # days ago and told its plan late, counts in last month only on the 1st and the 2nd (then
    # 1 / 2, 50.0 %), and in the last quarter on those days of January, April, July and
    # October; the plan breached today never falls in a full period.
    month, quarter = _last_full_month_and_quarter(timezone.now().astimezone(SEOUL).date())
    kept, late = _trouble_plans_kept_and_late(*month)
    assert kept == 1
    cache.clear()  # the scorecard is cached for a few minutes
    page.goto(f"{live_server.url}/charter/scorecard/")
    table = page.locator("#scorecard")
    quarter_label = f"{quarter[0].year} Q{quarter[0].month // 3 + 1}"
    expect(table.locator("thead")).to_contain_text(f"{month[0]:%Y-%m}")
    expect(table.locator("thead")).to_contain_text(quarter_label)
    row = table.locator('tr[data-commitment="network.trouble-plan"]')
    expect(row.locator("td")).to_have_text(
        _figures(kept, late) + _figures(*_trouble_plans_kept_and_late(*quarter))
    )
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
