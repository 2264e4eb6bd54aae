"""Training sessions: ``common.training-plan`` (a business day from the request) and
``common.training-day`` (the promised day, ``by_requested_date``), on the Infrastructure HO's
public-holiday calendar.

Worked due instants: requested Fri 2027-02-05 15:00 KST → plan: 3 h on Fri (15–18), 설날
Sat 6 – Mon 8 and its substitute holiday Tue 9 skipped, 6 h on Wed 10 → due Wed 2027-02-10
15:00 KST. Promised Fri 2027-02-19 → due at its closing, 18:00 KST. Moved to Mon 2027-03-01
(삼일절, closed) → due at the closing of the last business day before it, Fri 2027-02-26
18:00 KST.

The plan e-mailed goes through the outbox: queued it keeps nothing; the clock stops when the
mail server accepts it (the delivery pass, ``deliver_notifications``).
"""

import pytest
from django.core.management import call_command

from commitments.models import Deadline
from notifications.models import Notification
from tests.requests_desk.api_support import customer
from tests.requests_desk.views_support import text
from tests.seoul import at

pytestmark = pytest.mark.django_db

TRAININGS = "/api/v1/trainings/"
PAGES = "/desk/records/trainings/"


def payload(**changes) -> dict:
    return {
        "division": "infrastructure",
        "customer": customer(),
        "topic": "전용회선 장애 대응 교육",
        "requested_at": "2027-02-05T15:00:00+09:00",
        "promised_on": "2027-02-19",
        **changes,
    }


def create(api, **changes) -> dict:
    with at(2027, 2, 5, 15, 30):
        response = api.post(TRAININGS, payload(**changes), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def clocks(body) -> dict:
    return {clock["commitment"]: clock for clock in body["deadlines"]}


def test_a_training_owes_its_plan_and_its_day(api):
    body = clocks(create(api))
    assert body["common.training-plan"]["due_at"] == "2027-02-10T15:00:00+09:00"
    assert body["common.training-day"]["due_at"] == "2027-02-19T18:00:00+09:00"


def test_the_plan_e_mailed_to_the_customer_keeps_the_clock_once_delivered(api, moment):
    body = create(api)
    with moment(2027, 2, 9, 10):
        sent = api.post(
            f"{TRAININGS}{body['id']}/plan-send/",
            {"summary": "2월 19일 10시, 본사 교육장 (2시간)"},
            format="json",
        )
        assert sent.status_code == 200, sent.content
        # Queued is not told: the clock runs until the mail server accepts the e-mail.
        assert clocks(sent.json())["common.training-plan"]["state"] == "running"
    (mail,) = Notification.objects.filter(subject_type="training", step="message")
    assert (mail.recipient, mail.language) == ("hong@example.com", "ko")  # Korean by default
    assert mail.subject == "[교육 계획 안내] 전용회선 장애 대응 교육"
    assert "교육일: 2027년 2월 19일(금)" in mail.body
    assert "2월 19일 10시, 본사 교육장 (2시간)" in mail.body
    with moment(2027, 2, 9, 10, 3):
        call_command("deliver_notifications")
    clock = clocks(api.get(f"{TRAININGS}{body['id']}/").json())["common.training-plan"]
    assert (clock["state"], clock["stopped_at"]) == ("met", "2027-02-09T10:03:00+09:00")


def test_the_page_shows_the_plan_e_mail_and_a_refused_one_breaches(
    api, client, people, smtp, moment
):
    body = create(api, customer=customer(email="gone@example.com"))
    smtp.unknown.add("gone@example.com")
    client.force_login(people["staff"])
    with moment(2027, 2, 9, 10):
        page = text(client.get(f"{PAGES}{body['id']}/"))
        empty = client.post(f"{PAGES}{body['id']}/plan-send/", {"summary": " ", "language": "en"})
        sent = client.post(
            f"{PAGES}{body['id']}/plan-send/", {"summary": "Feb 19, 10:00", "language": "en"}
        )
        assert sent.status_code == 302, text(sent)
        call_command("deliver_notifications")
    assert 'id="preview-plan-send"' in page
    assert "[교육 계획 안내] 전용회선 장애 대응 교육" in page
    assert "[Training plan] 전용회선 장애 대응 교육" in page  # English for the asking
    assert "(아래에 입력하는 교육 계획)" in page
    assert empty.status_code == 400
    mail = Notification.objects.get(subject_type="training")
    assert (mail.subject, mail.state) == ("[Training plan] 전용회선 장애 대응 교육", "failed")
    plan = Deadline.objects.get(subject_type="training", commitment_code="common.training-plan")
    assert plan.state == "running"
    call_command("sweep_deadlines", now="2027-02-10T15:01:00+09:00", verbosity=0)
    plan.refresh_from_db()
    assert (plan.state, plan.stopped_at) == ("breached", None)


def test_the_plan_told_and_the_session_held_on_the_moved_day_keep_both(api):
    body = create(api)
    url = f"{TRAININGS}{body['id']}/"
    with at(2027, 2, 9, 10):
        planned = api.post(
            f"{url}plan/",
            {"at": "2027-02-09T10:00:00+09:00", "summary": "2월 19일 10시, 본사 교육장"},
            format="json",
        )
    assert planned.status_code == 200, planned.content
    assert clocks(planned.json())["common.training-plan"]["state"] == "met"
    with at(2027, 2, 15, 10):
        moved = api.post(
            f"{url}reschedule/",
            {"promised_on": "2027-03-01", "asked_by": "customer", "reason": "고객사 결산 일정"},
            format="json",
        )
    assert moved.status_code == 200, moved.content
    assert clocks(moved.json())["common.training-day"]["due_at"] == "2027-02-26T18:00:00+09:00"
    assert moved.json()["reschedules"] == [
        {
            "previous_on": "2027-02-19",
            "promised_on": "2027-03-01",
            "asked_by": "customer",
            "reason": "고객사 결산 일정",
        }
    ]
    with at(2027, 2, 26, 16):
        early = api.post(f"{url}held/", {"at": "2027-02-25T14:00:00+09:00"}, format="json")
        held = api.post(f"{url}held/", {"at": "2027-02-26T14:00:00+09:00"}, format="json")
    assert early.status_code == 400
    assert "at" in early.json()
    assert held.status_code == 200, held.content
    assert clocks(held.json())["common.training-day"]["state"] == "met"


def test_a_late_plan_and_a_session_after_the_promised_day_are_breaches(api):
    body = create(api)
    call_command("sweep_deadlines", now="2027-02-10T15:01:00+09:00", verbosity=0)
    states = {c.commitment_code: c.state for c in Deadline.objects.filter(subject_type="training")}
    assert states["common.training-plan"] == "breached"
    with at(2027, 2, 22, 11):
        held = api.post(
            f"{TRAININGS}{body['id']}/held/", {"at": "2027-02-22T10:00:00+09:00"}, format="json"
        )
    assert held.status_code == 200, held.content
    assert clocks(held.json())["common.training-day"]["state"] == "breached"


def test_bad_input_is_refused_with_field_errors(api):
    with at(2027, 2, 5, 15, 30):
        before = api.post(TRAININGS, payload(promised_on="2027-02-04"), format="json")
        future = api.post(
            TRAININGS, payload(requested_at="2027-02-06T15:00:00+09:00"), format="json"
        )
    assert before.status_code == 400
    assert "promised_on" in before.json()
    assert future.status_code == 400
    assert "requested_at" in future.json()
    body = create(api)
    with at(2027, 2, 15, 10):
        same = api.post(
            f"{TRAININGS}{body['id']}/reschedule/",
            {"promised_on": "2027-02-19", "asked_by": "us", "reason": "x"},
            format="json",
        )
        who = api.post(
            f"{TRAININGS}{body['id']}/reschedule/",
            {"promised_on": "2027-02-23", "asked_by": "nobody", "reason": "x"},
            format="json",
        )
    assert same.status_code == 400
    assert "promised_on" in same.json()
    assert who.status_code == 400
    assert "asked_by" in who.json()


def test_the_pages_record_a_training_and_its_reschedule(client, people):
    with at(2027, 2, 5, 15, 30):
        client.force_login(people["staff"])
        from commitments.models import Division

        made = client.post(
            f"{PAGES}new/",
            {
                "division": Division.objects.get(code="infrastructure").pk,
                "organisation": "Example Securities",
                "customer_name": "홍길동",
                "email": "hong@example.com",
                "topic": "교육",
                "requested_at": "2027-02-05T15:00",
                "promised_on": "2027-02-19",
            },
        )
        assert made.status_code == 302, text(made)
        moved = client.post(
            made["Location"] + "reschedule/",
            {"promised_on": "2027-02-23", "asked_by": "us", "reason": "강사 일정"},
        )
        assert moved.status_code == 302, text(moved)
        page = client.get(made["Location"])
    assert "2027-02-19 → 2027-02-23" in text(page)
    assert 'data-commitment="common.training-day" data-state="running"' in text(page)


def test_a_training_asked_for_by_a_request_owes_its_plan_once_on_the_request(api):
    with at(2027, 2, 5, 15, 30):
        asked = api.post(
            "/api/v1/requests/",
            {
                "kind": "training",
                "channel": "email",
                "division": "infrastructure",
                "customer": customer(),
                "subject": "교육 요청",
                "body": "전용회선 장애 대응 교육을 요청합니다.",
                "received_at": "2027-02-05T15:00:00+09:00",
            },
            format="json",
        )
        assert asked.status_code == 201, asked.content
        assert [c["commitment"] for c in asked.json()["deadlines"]] == ["common.training-plan"]
        made = api.post(
            TRAININGS,
            {
                "division": "infrastructure",
                "request": asked.json()["id"],
                "topic": "전용회선 장애 대응 교육",
                "requested_at": "2027-02-05T15:00:00+09:00",
                "promised_on": "2027-02-19",
            },
            format="json",
        )
    assert made.status_code == 201, made.content
    assert list(clocks(made.json())) == ["common.training-day"]
    assert made.json()["customer"]["email"] == "hong@example.com"
    with at(2027, 2, 9, 10):
        plan = api.post(
            f"{TRAININGS}{made.json()['id']}/plan/",
            {"at": "2027-02-09T10:00:00+09:00", "summary": "계획"},
            format="json",
        )
    assert plan.status_code == 400
    assert asked.json()["tracking_code"] in plan.json()["summary"][0]
