"""The dashboard's figures against the hand-worked November (see report_factories.november)."""

from datetime import date

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
