"""Personnel handovers: ``bcp.handover`` starts when the parallel operation (at least a
calendar month) ends, and only the drill's measured result reported to the affected customers
stops it.

Worked due instant (``calendar_days`` 1 month, wall clock, never moved off holidays): parallel
operation Mon 2027-01-04 – Wed 2027-02-03 (the shortest allowed: a calendar month) → the clock
starts Thu 2027-02-04 00:00 KST → due Thu 2027-03-04 00:00 KST (삼일절, Mon Mar 1, is no matter).

The report is e-mailed through the outbox: queued it keeps nothing; the clock stops when the
mail server has accepted every message (the delivery pass, ``deliver_notifications``).
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


def customer_of_bcp(email: str):
    bcp = Service.objects.get(code="bcp")
    return RequestFactory(
        customer=CustomerContactFactory(email=email),
        division=bcp.division,
        service=bcp,
        received_at=kst(2026, 11, 1, 10),
    ).customer


def test_the_drill_result_is_kept_once_the_report_is_delivered_not_when_queued(
    api, bcp_people, moment
):
    customer_of_bcp("kim@example.com")
    body = create(api, bcp_people)
    with moment(2027, 2, 11, 10):
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
        # Queued is not told: the clock runs until the mail server accepts the report.
        assert reported.json()["deadlines"][0]["state"] == "running"
        again = api.post(f"{HANDOVERS}{body['id']}/report/", {"summary": "또"}, format="json")
        assert again.status_code == 400
        assert "summary" in again.json()
    with moment(2027, 2, 11, 10, 5):
        call_command("deliver_notifications")
    (clock,) = api.get(f"{HANDOVERS}{body['id']}/").json()["deadlines"]
    assert clock["state"] == "met"
    assert clock["stopped_at"] == "2027-02-11T10:05:00+09:00"  # the acceptance, not the queueing
    (mail,) = Notification.objects.filter(subject_type="handover", step="message")
    assert (mail.recipient, mail.state) == ("kim@example.com", "sent")
    assert "절차 정확도: 95%" in mail.body
    assert "42 min (target 45 min)" in mail.body


def test_a_report_the_mail_server_refuses_keeps_nothing_and_the_clock_is_breached(
    client, bcp_people, people, smtp, moment
):
    customer_of_bcp("kim@example.com")
    customer_of_bcp("gone@example.com")
    smtp.unknown.add("gone@example.com")
    body = create(client_for(people["staff"]), bcp_people)
    client.force_login(people["staff"])
    with moment(2027, 2, 11, 10):
        assert drill(client_for(people["staff"]), body).status_code == 200
        sent = client.post(f"{PAGES}{body['id']}/report/", {"summary": "결과를 알려드립니다."})
        assert sent.status_code == 302, text(sent)
        call_command("deliver_notifications")
    states = dict(
        Notification.objects.filter(subject_type="handover").values_list("recipient", "state")
    )
    assert states == {"kim@example.com": "sent", "gone@example.com": "failed"}
    assert [m.recipients for m in smtp.messages] == [("kim@example.com",)]
    clock = Deadline.objects.get(pk=body["deadlines"][0]["id"])
    assert clock.state == "running"  # one of the affected customers was never told
    call_command("sweep_deadlines", now="2027-03-04T00:01:00+09:00", verbosity=0)
    clock.refresh_from_db()
    assert (clock.state, clock.stopped_at) == ("breached", None)


def test_a_report_nobody_can_receive_is_refused_on_the_page(client, bcp_people, people):
    body = create(client_for(people["staff"]), bcp_people)
    client.force_login(people["staff"])
    with at(2027, 2, 11, 10):
        assert drill(client_for(people["staff"]), body).status_code == 200
        refused = client.post(f"{PAGES}{body['id']}/report/", {"summary": "결과"})
    assert refused.status_code == 400
    assert "전자우편 주소가 있는 분이 없어" in text(refused)
    assert not Notification.objects.filter(subject_type="handover").exists()
    assert Deadline.objects.get(pk=body["deadlines"][0]["id"]).state == "running"


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
