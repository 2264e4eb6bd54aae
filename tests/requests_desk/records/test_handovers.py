"""Personnel handovers: ``bcp.handover`` starts when the parallel operation (at least a
calendar month) ends, and only the drill's measured result reported to the affected customers
stops it.

Worked due instant (``calendar_days`` 1 month, wall clock, never moved off holidays): parallel
operation Mon 2027-01-04 – Wed 2027-02-03 (the shortest allowed: a calendar month) → the clock
starts Thu 2027-02-04 00:00 KST → due Thu 2027-03-04 00:00 KST (삼일절, Mon Mar 1, is no matter).
"""

import pytest
from django.core.management import call_command

from commitments.models import Deadline, Service
from notifications.models import Notification
from tests.factories import CustomerContactFactory, RequestFactory
from tests.requests_desk.api_support import client_for, member_of
from tests.requests_desk.views_support import text
from tests.seoul import at, kst

pytestmark = pytest.mark.django_db

HANDOVERS = "/api/v1/handovers/"
PAGES = "/desk/records/handovers/"


@pytest.fixture
def bcp_people(charter):
    return member_of("bcp", "bcp.outgoing"), member_of("bcp", "bcp.incoming")


def payload(people, **changes) -> dict:
    outgoing, incoming = people
    return {
        "division": "infrastructure",
        "outgoing": outgoing.pk,
        "incoming": incoming.pk,
        "services": ["bcp"],
        "parallel_from": "2027-01-04",
        "parallel_until": "2027-02-03",
        "target_minutes": 45,
        **changes,
    }


def create(api, people, **changes) -> dict:
    with at(2027, 1, 4, 9):
        response = api.post(HANDOVERS, payload(people, **changes), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def drill(api, body, **changes):
    return api.post(
        f"{HANDOVERS}{body['id']}/drill/",
        {
            "drill_on": "2027-02-10",
            "drill_accuracy": 95,
            "drill_minutes": 42,
            "target_minutes": 45,
            **changes,
        },
        format="json",
    )


def test_the_clock_starts_when_the_parallel_operation_ends(api, bcp_people):
    body = create(api, bcp_people)
    (clock,) = body["deadlines"]
    assert clock["commitment"] == "bcp.handover"
    assert clock["started_at"] == "2027-02-04T00:00:00+09:00"
    assert clock["due_at"] == "2027-03-04T00:00:00+09:00"


def test_the_drill_result_reported_to_the_affected_customers_meets_it(api, bcp_people):
    bcp = Service.objects.get(code="bcp")
    RequestFactory(
        customer=CustomerContactFactory(email="kim@example.com"),
        division=bcp.division,
        service=bcp,
        received_at=kst(2026, 11, 1, 10),
    )
    body = create(api, bcp_people)
    with at(2027, 2, 11, 10):
        early = api.post(f"{HANDOVERS}{body['id']}/report/", {"summary": "결과"}, format="json")
        assert early.status_code == 400  # no drill recorded yet
        assert "summary" in early.json()
        assert drill(api, body).status_code == 200
        reported = api.post(
            f"{HANDOVERS}{body['id']}/report/",
            {"summary": "모의훈련 결과 목표 시간 안에 복구했습니다."},
            format="json",
        )
    assert reported.status_code == 200, reported.content
    assert reported.json()["deadlines"][0]["state"] == "met"
    (mail,) = Notification.objects.filter(subject_type="handover", step="message")
    assert mail.recipient == "kim@example.com"
    assert "절차 정확도: 95%" in mail.body
    assert "42 min (target 45 min)" in mail.body


def test_without_the_report_the_sweep_records_the_breach(api, bcp_people):
    body = create(api, bcp_people)
    call_command("sweep_deadlines", now="2027-03-04T00:01:00+09:00", verbosity=0)
    assert Deadline.objects.get(pk=body["deadlines"][0]["id"]).state == "breached"


def test_bad_input_is_refused_with_field_errors(api, bcp_people):
    with at(2027, 1, 4, 9):
        short = api.post(HANDOVERS, payload(bcp_people, parallel_until="2027-02-02"), format="json")
        same = api.post(HANDOVERS, payload(bcp_people, incoming=bcp_people[0].pk), format="json")
        foreign = api.post(HANDOVERS, payload(bcp_people, services=["powerbase"]), format="json")
    assert short.status_code == 400
    assert "2027-02-03" in short.json()["parallel_until"][0]
    assert same.status_code == 400
    assert "incoming" in same.json()
    assert foreign.status_code == 400
    assert "services" in foreign.json()
    body = create(api, bcp_people)
    with at(2027, 2, 11, 10):
        during = drill(api, body, drill_on="2027-02-01")
        accuracy = drill(api, body, drill_accuracy=120)
    assert during.status_code == 400
    assert "drill_on" in during.json()
    assert accuracy.status_code == 400
    assert "drill_accuracy" in accuracy.json()


def test_the_pages_record_a_handover_and_keep_what_was_typed(client, bcp_people, people):
    outgoing, incoming = bcp_people
    with at(2027, 1, 4, 9):
        client.force_login(people["staff"])
        form = {
            "division": bcp_people[0].teams.first().division_id,
            "outgoing": outgoing.pk,
            "incoming": incoming.pk,
            "services": [Service.objects.get(code="bcp").pk],
            "parallel_from": "2027-01-04",
            "parallel_until": "2027-01-31",
            "target_minutes": "45",
        }
        refused = client.post(f"{PAGES}new/", form)
        assert refused.status_code == 400
        assert "2027-02-03" in text(refused)
        assert 'value="2027-01-31"' in text(refused)
        made = client.post(f"{PAGES}new/", {**form, "parallel_until": "2027-02-28"})
        assert made.status_code == 302, text(made)
        page = client.get(made["Location"])
    assert 'data-commitment="bcp.handover" data-state="running"' in text(page)
    assert client_for(people["market"]).get(HANDOVERS).json()["count"] == 0
