"""The dashboard's figures against the hand-worked November (see report_factories.november)."""

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
from django.utils import translation

pytestmark = pytest.mark.usefixtures("month")

DASHBOARD = "/en/reports/"
CODE = "test.report-100"


def board(client, query: str):
    response = client.get(f"{DASHBOARD}?{query}")
    assert response.status_code == 200, response.content[:2000]
    return response.context["board"]


def row(board, code: str = CODE):
    return next(r for r in board.commitments if r.code == code)


def test_it_counts_each_clock_of_the_division_by_its_due_instant(admin_client):
    figures = row(board(admin_client, "division=infrastructure&period=month&day=2026-11-01"))
    # met: at due, early, paused, recomputed, due 11-01 00:40; breached: swept, stopped late.
    assert (figures.met, figures.breached, figures.running, figures.cancelled) == (5, 2, 1, 1)
    assert figures.started == 8
    assert figures.compliance == pytest.approx(100 * 5 / 7)


def test_time_to_stop_percentiles_come_from_the_buckets(admin_client):
    figures = row(board(admin_client, "division=infrastructure"))
    # Shares 30, 70, 75, 92, 100, 150 %: buckets 20–30, 60–70, 70–80, 90–100 (×2), 125–150.
    # Median: rank 3 of 6 falls at the end of the 70–80 bucket → 80 %. p90: rank 5.4 falls
    # 0.4 into the 125–150 bucket → 125 + 0.4 × 25 = 135 %.
    assert figures.median.value == pytest.approx(80)
    assert figures.p90.value == pytest.approx(135)
    assert not figures.p90.above


def test_the_company_counts_every_division_and_a_team_only_its_own(admin_client):
    assert row(board(admin_client, "")).met == 6  # Market HO's clock too
    assert row(board(admin_client, "team=net-support")).met == 5
    empty = row(board(admin_client, "team=net-dev"))
    assert (empty.met, empty.breached, empty.running) == (0, 0, 0)
    assert empty.compliance is None


def test_a_clock_due_in_another_month_counts_there(admin_client):
    october = row(board(admin_client, "division=infrastructure&day=2026-10-15"))
    assert (october.met, october.breached) == (1, 0)
    quarter = row(board(admin_client, "division=infrastructure&period=quarter&day=2026-11-01"))
    assert (quarter.met, quarter.breached, quarter.cancelled) == (6, 2, 1)
    custom = row(
        board(admin_client, "division=infrastructure&period=custom&start=2026-11-02&end=2026-11-05")
    )
    assert (custom.met, custom.breached) == (4, 0)


def test_at_risk_lists_running_clocks_due_within_the_working_hours_chosen(admin_client, month):
    # Now is Wed 12:00: the test clock is due 13:10; the complaint feedback (9 working hours
    # from Wed 10:00) is due Thu 10:00, i.e. 7 working hours from now.
    soon = board(admin_client, "division=infrastructure")
    assert [c.pk for c in soon.at_risk.rows] == [month.clocks["running"].pk]
    later = board(admin_client, "division=infrastructure&hours=8")
    assert [c.commitment_code for c in later.at_risk.rows] == [CODE, "voice.complaint-feedback"]
    assert later.at_risk.count == 2


def test_a_24x7_clock_is_at_risk_by_wall_clock_hours_over_a_weekend(admin_client, month):
    from tests.factories import CommitmentFactory
    from tests.requests_desk.reports.report_factories import clock
    from tests.seoul import at, kst

    round_the_clock = CommitmentFactory(
        code="test.report-24x7", target_kind="elapsed", target_minutes=6 * 60
    )
    with at(2026, 11, 27, 17):  # Friday 17:00: four working hours reach Monday 12:00
        tonight = clock(round_the_clock, start=kst(2026, 11, 27, 14), division=month.division)
        saturday = clock(round_the_clock, start=kst(2026, 11, 28, 4), division=month.division)
        at_risk = board(admin_client, "division=infrastructure&hours=4").at_risk

    # Due Fri 20:00 (within four wall-clock hours) and Sat 10:00 (not, though it is before
    # the fourth working hour).
    codes = {c.pk: c.commitment_code for c in at_risk.rows}
    assert tonight.pk in codes
    assert saturday.pk not in codes


def test_breached_and_still_open_lists_the_swept_breach_only(admin_client, month):
    figures = board(admin_client, "division=infrastructure")
    assert [c.pk for c in figures.breached_open.rows] == [month.clocks["breached_open"].pk]


def test_phone_complaints_and_surveys(admin_client):
    figures = board(admin_client, "division=infrastructure")
    phone = figures.phone
    assert (phone.calls, phone.within_three, phone.apology_owed, phone.apology_given) == (
        5,
        2,
        2,
        1,
    )
    assert phone.within_three_share == pytest.approx(40)
    assert phone.apology_share == pytest.approx(50)
    assert (phone.callbacks.met, phone.callbacks.breached) == (1, 1)
    complaints = figures.complaints
    assert (complaints.feedback.met, complaints.feedback.running) == (1, 1)
    assert (complaints.unkind_confirmed, complaints.coupons) == (1, 1)
    assert figures.surveys.count == 3
    assert figures.surveys.average == pytest.approx(11 / 3)


def test_the_trend_has_26_weeks_of_compliance(admin_client):
    trend = board(admin_client, "division=infrastructure").trend
    assert len(trend) == 26
    assert trend[-1].week == date(2026, 11, 23)
    weeks = {p.week: (p.met, p.breached) for p in trend}
    assert weeks[date(2026, 10, 19)] == (1, 0)  # due Tue 10-20
    assert weeks[date(2026, 10, 26)] == (1, 0)  # due Sun 11-01 00:40
    assert weeks[date(2026, 11, 2)] == (4, 0)  # the cancelled clock is left out
    # Swept and stopped late, plus the call-backs of 11-12 (in time) and 11-13 (late).
    assert weeks[date(2026, 11, 9)] == (1, 3)
    assert weeks[date(2026, 11, 16)] == (1, 0)  # the complaint feedback given in time
    assert trend[0].compliance is None


def test_the_report_names_the_terms_in_force(admin_client):
    figures = row(board(admin_client, "division=infrastructure"))
    # The recomputed clock took the edited terms (200 minutes); the others keep 100 minutes.
    assert len(figures.terms) == 2
    assert len({t.version for t in figures.terms}) == 2
    assert {t.calendar_code for t in figures.terms} == {"kr-public"}
    with translation.override("en"):
        assert len(figures.targets.split(" / ")) == 2


def test_the_page_says_how_figures_are_counted_and_links_every_number(admin_client):
    response = admin_client.get(f"{DASHBOARD}?division=infrastructure")
    html = response.content.decode()
    assert "A clock belongs to the period in which its due instant falls" in html
    assert (
        "/en/reports/list/clocks/?period=month&amp;day=2026-11-01&amp;division=infrastructure&amp;outcome=breached&amp;commitment=test.report-100"
        in html
    )
    assert '<svg viewBox="0 0 720 220"' in html
    assert 'aria-labelledby="trend-title trend-desc"' in html
    assert response["Server-Timing"].startswith("app;dur=")


def test_targets_read_in_words_for_every_kind_of_clock(admin_client, month):
    from commitments.models import Commitment
    from tests.requests_desk.reports.report_factories import clock
    from tests.seoul import kst

    for code in ("common.homepage-input", "market.business-review", "common.progress-15d"):
        clock(
            Commitment.objects.get(code=code), start=kst(2026, 11, 20, 10), division=month.division
        )
    figures = board(admin_client, "division=infrastructure")
    assert row(figures, "common.homepage-input").targets == "by closing time the same business day"
    assert row(figures, "market.business-review").targets == "within 7 days"
    assert row(figures, "common.progress-15d").targets == "every 15 days"


def _overdue_and_still_owing(month, django_capture_on_commit_callbacks):
    """A complaint feedback and a call-back, both due in November, breached by the sweep and
    not given yet."""
    from commitments.models import Commitment
    from notifications.sweep import sweep
    from tests.requests_desk.reports.report_factories import clock
    from tests.seoul import kst

    with django_capture_on_commit_callbacks(execute=True):
        for code, day in (("voice.complaint-feedback", 17), ("phone.absent-callback", 20)):
            clock(
                Commitment.objects.get(code=code),
                start=kst(2026, 11, day, 10),
                division=month.division,
                team=month.team,
            )
        sweep(now=kst(2026, 11, 24, 12))


def test_outstanding_counts_running_paused_and_breached_not_yet_given(
    admin_client, month, django_capture_on_commit_callbacks
):
    _overdue_and_still_owing(month, django_capture_on_commit_callbacks)
    figures = board(admin_client, "division=infrastructure")
    feedback, callbacks = figures.complaints.feedback, figures.phone.callbacks
    # Feedback: given in time 11-16; running (due Thu 26th); overdue since 11-18, not given.
    assert (feedback.met, feedback.breached, feedback.running) == (1, 1, 1)
    assert (feedback.given, feedback.breached_stopped, feedback.outstanding) == (1, 0, 2)
    # Call-backs: in time 11-12; made late 11-13; overdue since 11-20 10:05, not made.
    assert (callbacks.met, callbacks.breached_stopped, callbacks.outstanding) == (1, 1, 1)
    assert callbacks.given == 2
    html = admin_client.get(f"{DASHBOARD}?division=infrastructure").content.decode()
    for figure, value in (
        ("feedback-met", 1),
        ("feedback-late", 0),
        ("feedback-outstanding", 2),
        ("callbacks-met", 1),
        ("callbacks-late", 1),
        ("callbacks-owed", 1),
    ):
        assert re.search(rf'id="{figure}">{value}</a>', html), figure
    monthly = admin_client.get("/en/reports/monthly/?division=infrastructure").content.decode()
    assert re.search(r"given in time / late / outstanding</th><td[^>]*>1 / 0 / 2<", monthly)
    assert re.search(r"Call-backs made late / still owed</th><td[^>]*>1 / 1<", monthly)


def _linked_numbers(html: str) -> list[tuple[str, int]]:
    return [
        (unescape(href), int(number))
        for href, number in re.findall(r'<a href="(/en/reports/list/[^"]+)"[^>]*>(\d+)</a>', html)
    ]


def _list_length(client, href: str) -> int:
    """How many rows the list behind ``href`` has (through its CSV export, unpaginated)."""
    path, query = href.split("?", 1)
    response = client.get(f"{path}export/csv/?{query}")
    assert response.status_code == 200, href
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return len(list(csv.reader(io.StringIO(content)))) - 1


@pytest.mark.parametrize(
    "query",
    [
        "division=infrastructure",
        "",
        "team=net-support&period=quarter&day=2026-11-01",
        "division=infrastructure&period=custom&start=2026-11-02&end=2026-11-12&hours=8",
    ],
)
def test_every_number_on_the_dashboard_is_the_length_of_its_list(
    admin_client, month, django_capture_on_commit_callbacks, query
):
    _overdue_and_still_owing(month, django_capture_on_commit_callbacks)
    html = admin_client.get(f"{DASHBOARD}?{query}").content.decode()
    linked = _linked_numbers(html)
    # The per-commitment table, totals, previews, phone, complaints, surveys and the trend.
    assert len(linked) > 40
    assert any("outcome=outstanding" in href for href, _ in linked)
    assert any("period=custom" in href and "outcome=breached" in href for href, _ in linked)
    wrong = [
        (href, number, length)
        for href, number in linked
        if (length := _list_length(admin_client, href)) != number
    ]
    assert wrong == []


def test_each_week_of_the_trend_drills_down_to_its_clocks(admin_client):
    html = admin_client.get(f"{DASHBOARD}?division=infrastructure").content.decode()
    week = (
        "/en/reports/list/clocks/?period=custom&amp;start=2026-11-09&amp;end=2026-11-15"
        "&amp;division=infrastructure&amp;outcome="
    )
    # Swept and stopped late, plus the late call-back: three breached; the call-back in time.
    assert f'<a href="{week}breached" data-figure="week-breached">3</a>' in html
    assert f'<a href="{week}met" data-figure="week-met">1</a>' in html
    # The last week runs to its Sunday: a clock due later this week counts in it (as it does
    # in the month), even when it was met before today.
    assert "start=2026-11-23&amp;end=2026-11-29&amp;division=infrastructure" in html
    listing = admin_client.get(unescape(f"{week}breached"))
    assert listing.status_code == 200
    assert len(listing.context["cells"]) == 3


def test_the_korean_dashboard_names_report_columns_apart_from_the_desks_instants(admin_client):
    html = admin_client.get("/reports/?division=infrastructure").content.decode()
    table = html[html.index('id="commitment-figures"') : html.index("</thead>")]
    assert "기준 일시" not in table
    assert "시작 일시" not in table
    assert "준수율" in table  # the page is in Korean
