"""The daily clock summary: kept by the hooks, equal to a rebuild, moved with its clocks."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from commitments import summaries
from commitments.models import ClockDaySummary, Division
from requests_desk.cases.clocks import clocks_redivision
from requests_desk.models import Request

pytestmark = pytest.mark.usefixtures("month")

FIELDS = [f.name for f in ClockDaySummary._meta.fields if f.name != "id"]


def rows():
    return sorted(ClockDaySummary.objects.values_list(*FIELDS))


def test_the_hooks_keep_what_a_rebuild_makes():
    kept = rows()
    assert kept
    call_command("rebuild_report_summaries", verbosity=0)
    assert rows() == kept


def test_the_embedded_mode_computes_the_same_rows_in_python():
    kept = rows()
    summaries._rebuild_python(None)
    assert rows() == kept


def test_the_sweep_records_its_breaches_in_the_summary(month):
    day = ClockDaySummary.objects.get(
        day=date(2026, 11, 9), commitment=month.commitment, team_key=month.team.pk
    )
    assert (day.met, day.breached) == (0, 1)


def test_a_rebuild_since_a_day_leaves_earlier_days_alone(capsys):
    october = ClockDaySummary.objects.filter(day__lt=date(2026, 11, 1))
    october.update(met=99)
    call_command("rebuild_report_summaries", "--since", "2026-11-01")
    assert "summary rows written" in capsys.readouterr().out
    assert set(october.values_list("met", flat=True)) == {99}
    with pytest.raises(CommandError, match="--since must be a date"):
        call_command("rebuild_report_summaries", "--since", "last week")


def test_closed_clocks_that_move_division_move_in_the_summary(
    month, django_capture_on_commit_callbacks
):
    at_due = month.clocks["at_due"]
    request = Request.objects.get(pk=at_due.subject_id)
    market = Division.objects.get(code="market")
    request.division, request.team = market, None
    request.save()
    with django_capture_on_commit_callbacks(execute=True):
        clocks_redivision(request)
    day = ClockDaySummary.objects.filter(day=date(2026, 11, 2), commitment=month.commitment)
    assert list(day.values_list("division_key", "team_key", "met")) == [(market.pk, 0, 1)]


def test_a_breached_clock_still_owing_follows_its_request_to_another_team(
    month, django_capture_on_commit_callbacks
):
    from commitments.models import Team
    from requests_desk.cases.clocks import clocks_readdress

    breached = month.clocks["breached_open"]
    request = Request.objects.get(pk=breached.subject_id)
    request.team = Team.objects.get(code="net-dev")
    request.save()
    with django_capture_on_commit_callbacks(execute=True):
        clocks_readdress(request)
    day = ClockDaySummary.objects.filter(day=date(2026, 11, 9), commitment=month.commitment)
    assert list(day.values_list("team_key", "breached")) == [(request.team.pk, 1)]


def test_the_sweep_refreshes_the_summary_once_per_batch_however_many_breaches(
    month, django_capture_on_commit_callbacks
):
    from notifications.sweep import sweep
    from tests.requests_desk.reports.report_factories import clock
    from tests.seoul import kst

    for hour in (9, 10, 11):
        clock(month.commitment, start=kst(2026, 11, 19, hour), division=month.division)
    with django_capture_on_commit_callbacks() as callbacks:
        result = sweep(now=kst(2026, 11, 19, 18))
    refreshes = [c for c in callbacks if "summaries_refresh_on_commit" in c.__qualname__]
    assert result.steps_recorded >= 3
    assert len(refreshes) == 1
    refreshes[0]()
    day = ClockDaySummary.objects.get(day=date(2026, 11, 19), commitment=month.commitment)
    assert day.breached == 3


def test_the_periodic_reconciliation_makes_good_refreshes_lost_with_a_killed_process():
    from notifications.tasks import reconcile_report_summaries
    from tests.seoul import at

    expected = rows()
    recent = ClockDaySummary.objects.filter(day__gte=date(2026, 11, 5))
    assert recent.exists()
    # The refreshes owed after these clocks closed never ran, and an older day is off too.
    recent.delete()
    ClockDaySummary.objects.filter(day=date(2026, 11, 2)).update(met=99)

    with at(2026, 11, 12, 10):  # seven due days back: from Thu 5 November on
        refreshed = reconcile_report_summaries()

    assert refreshed > 0
    november_2 = [row for row in rows() if row[FIELDS.index("day")] == date(2026, 11, 2)]
    assert {row[FIELDS.index("met")] for row in november_2} == {99}
    assert [row for row in rows() if row[FIELDS.index("day")] >= date(2026, 11, 5)] == [
        row for row in expected if row[FIELDS.index("day")] >= date(2026, 11, 5)
    ]
