"""Phone figures follow the person who answered: a call counts for the answerer's team at the
time of the call, whatever later happens to its request ("now" is Wed 2026-11-25 12:00 KST;
the call is on Thu 2026-11-12, in November, the month the dashboard shows)."""

import io

import pytest

from tests.requests_desk.api_support import CALLS, client_for, created, member_of, url

pytestmark = pytest.mark.django_db

DASHBOARD = "/en/reports/"
CALLER = {
    "caller_name": "김철수",
    "caller_phone": "02-555-1234",
    "organisation": "Example Securities",
    "division": "infrastructure",
}


def board(client, query: str):
    response = client.get(f"{DASHBOARD}?{query}")
    assert response.status_code == 200
    return response.context["board"]


def test_a_call_answered_by_network_support_then_transferred_counts_for_network_support(
    admin_client,
):
    answerer = client_for(member_of("net-support", "phone.answerer"))
    call = created(
        answerer,
        CALLS,
        {
            **CALLER,
            "rings": 2,
            "received_at": "2026-11-12T10:00:00+09:00",
            "summary": "Line down at the branch",
        },
    )
    moved = answerer.post(
        url({"id": call["request"]}, "transfer/"),
        {"to": "net-dev", "handoff_note": "A line fault: Network Development's."},
        format="json",
    )
    assert moved.status_code == 200, moved.content

    support = board(admin_client, "division=infrastructure&team=net-support")
    development = board(admin_client, "division=infrastructure&team=net-dev")
    listed = admin_client.get("/en/reports/list/calls/?team=net-support&outcome=all")

    assert support.phone.calls == 1
    assert support.phone.within_three == 1
    assert development.phone.calls == 0
    assert "김철수" in listed.content.decode()


def summary_rows() -> dict:
    from requests_desk.models import CallDaySummary

    return {
        (row.day, row.division_key, row.team_key): (
            row.calls,
            row.within_three,
            row.apology_owed,
            row.apology_given,
        )
        for row in CallDaySummary.objects.all()
    }


def test_each_call_counts_on_its_seoul_day_in_the_summary_the_dashboard_reads(admin_client):
    """00:01 KST on 1 November is still 31 October in UTC: the November figures count it, and
    not the call two minutes before; the rebuild counts the same rows again."""
    from datetime import date

    from django.core.management import call_command

    from requests_desk.models import PhoneCall

    answerer = client_for(member_of("net-support", "phone.answerer"))
    calls = {
        "2026-10-31T23:59:00+09:00": {"rings": 2},
        "2026-11-01T00:01:00+09:00": {"rings": 5, "apology_given": True},
        "2026-11-12T10:00:00+09:00": {"rings": 6},
    }
    for received_at, changes in calls.items():
        created(
            answerer,
            CALLS,
            {**CALLER, "received_at": received_at, **changes},
        )
    division, team = PhoneCall.objects.values_list("division_id", "team_id").first()
    counted = summary_rows()

    november = board(admin_client, "division=infrastructure&team=net-support")
    other_team = board(admin_client, "division=infrastructure&team=net-dev")
    october = board(
        admin_client, "division=infrastructure&period=custom&start=2026-10-01&end=2026-10-31"
    )

    assert counted == {
        (date(2026, 10, 31), division, team): (1, 1, 0, 0),
        (date(2026, 11, 1), division, team): (1, 0, 1, 1),
        (date(2026, 11, 12), division, team): (1, 0, 1, 0),
    }
    figures = november.phone
    assert (figures.calls, figures.within_three, figures.apology_owed) == (2, 0, 2)
    assert figures.apology_given == 1
    assert other_team.phone.calls == 0
    assert (october.phone.calls, october.phone.within_three) == (1, 1)
    call_command("rebuild_call_summaries", stdout=io.StringIO())
    assert summary_rows() == counted
    call_command("rebuild_call_summaries", "--since", "2026-11-01", stdout=io.StringIO())
    assert summary_rows() == counted
