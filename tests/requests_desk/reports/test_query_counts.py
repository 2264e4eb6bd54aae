"""Every report page runs the same number of queries whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.deadlines import deadline_stop
from commitments.models import Commitment, Division, Team
from notifications.sweep import sweep
from tests.factories import PhoneCallFactory
from tests.requests_desk.reports.report_factories import (
    CouponFactory,
    SurveyFactory,
    UnkindReportFactory,
    clock,
)
from tests.seoul import kst

PAGES = [
    "/en/reports/",
    "/en/reports/?division=infrastructure",
    "/en/reports/?team=net-support&period=year&day=2026-01-01",
    "/en/reports/list/clocks/?division=infrastructure&outcome=met",
    "/en/reports/list/clocks/?outcome=at_risk&hours=24",
    "/en/reports/list/clocks/?outcome=breached_open",
    "/en/reports/list/calls/?division=infrastructure",
    "/en/reports/list/unkind-reports/",
    "/en/reports/list/coupons/",
    "/en/reports/list/surveys/",
    "/en/reports/monthly/?division=infrastructure",
]


def counts(client) -> list[int]:
    result = []
    for url in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        result.append(len(queries))
    return result


def more_of_everything(month: int = 11) -> None:
    """Forty more clocks over three commitments and two divisions, and more voice rows."""
    division = Division.objects.get(code="infrastructure")
    team = Team.objects.get(code="net-dev")
    market = Division.objects.get(code="market")
    codes = ("test.report-100", "phone.absent-callback", "network.trouble-plan")
    for n in range(40):
        commitment = Commitment.objects.get(code=codes[n % 3])
        where = division if n % 4 else market
        started = clock(
            commitment, start=kst(2026, month, 1 + n % 20, 9, n), division=where, team=team
        )
        if n % 2:
            deadline_stop(started, at=kst(2026, month, 1 + n % 20, 9, n + 1), cause="done")
        if n % 5 == 0:
            PhoneCallFactory(division=division, rings=n % 7, received_at=kst(2026, 11, 3, 10, n))
            SurveyFactory(division=division, team=team, at=kst(2026, 11, 4, 10, n))
            report = UnkindReportFactory(request__division=division, decided_at=kst(2026, 11, 5))
            CouponFactory(report=report, issued_at=kst(2026, 11, 5, 10))
    sweep(now=kst(2026, 11, 21, 12))


@pytest.mark.usefixtures("month")
def test_report_pages_run_a_constant_number_of_queries(
    admin_client, django_capture_on_commit_callbacks
):
    counts(admin_client)  # the calendars are read once per process (work_calendars)
    small = counts(admin_client)
    with django_capture_on_commit_callbacks(execute=True):
        more_of_everything()
    assert counts(admin_client) == small


def dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/en/reports/").status_code == 200
    return len(queries)


#: The dashboard's queries in each role's own scope (company, division, team): session and
#: user; commitments, summary, open clocks, terms; calls, unkind reports, coupons, surveys;
#: trend; "at risk" rows and count (the calendars are read once per process); breached
#: and open rows and count; the calendars; the form's divisions and teams. A division head's
#: and a team manager's access checks (is_manager, divisions_of, the menu with its admin
#: permissions) add theirs. Every signed-in page also reads the two-factor device (the session's
#: idle-timeout save, at most once a minute, is left out: see tests/conftest.py). "Heads a
#: division or manages a team" is one query, which takes 4 off a team manager's checks.
DASHBOARD_QUERIES = {"admin_client": 18, "head_client": 25, "team_manager_client": 26}


@pytest.mark.usefixtures("month")
@pytest.mark.parametrize("role", sorted(DASHBOARD_QUERIES))
def test_the_dashboard_runs_a_fixed_number_of_queries_for_every_role(
    request, role, django_capture_on_commit_callbacks
):
    client = request.getfixturevalue(role)
    dashboard_queries(client)  # the calendars are read once per process (work_calendars)
    small = dashboard_queries(client)
    with django_capture_on_commit_callbacks(execute=True):
        more_of_everything()
    assert dashboard_queries(client) == small == DASHBOARD_QUERIES[role]


@pytest.mark.usefixtures("month")
def test_the_scorecard_runs_a_constant_number_of_queries_and_is_cached(
    client, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as empty:
        assert client.get("/en/charter/scorecard/").status_code == 200
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        more_of_everything(month=10)  # the last full month and quarter
    with CaptureQueriesContext(connection) as full:
        response = client.get("/en/charter/scorecard/")
    assert len(full) == len(empty)
    assert "Test commitment" in response.content.decode()
    with CaptureQueriesContext(connection) as cached:
        client.get("/en/charter/scorecard/")
    assert len(cached) == 0
    cache.clear()
