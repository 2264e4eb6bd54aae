"""Phone figures follow the person who answered: a call counts for the answerer's team at the
time of the call, whatever later happens to its request ("now" is Wed 2026-11-25 12:00 KST;
the call is on Thu 2026-11-12, in November, the month the dashboard shows)."""

import pytest

from tests.requests_desk.api_support import CALLS, client_for, created, member_of, url

pytestmark = pytest.mark.django_db

DASHBOARD = "/en/reports/"


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
            "caller_name": "김철수",
            "caller_phone": "02-555-1234",
            "organisation": "Example Securities",
            "division": "infrastructure",
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
