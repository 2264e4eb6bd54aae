"""PowerBase test windows: ``finance.test-owner`` from the start and ``finance.test-report``
from the end, each a business day (9 working hours, the Financial HO's public-holiday calendar,
Mon–Fri 09:00–18:00).

Worked due instants: a window Tue 2027-02-09 14:00 – Fri 2027-02-12 16:00 KST. Owner: 설날
2027 is Sat 6 – Mon 8 Feb with a substitute holiday on Tue 9 Feb, so the start (on that
holiday) counts from Wed 10 09:00, 9 h → due Wed 2027-02-10 18:00 KST. Report: 2 h on Fri 12
(16–18), the weekend skipped, 7 h on Mon 15 → due Mon 2027-02-15 16:00 KST.

Telling the owner by e-mail goes through the outbox: queued it keeps nothing; the clock stops
when the mail server accepts it (the delivery pass, ``deliver_notifications``).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from commitments.models import Deadline
from notifications.models import Notification
from tests.requests_desk.api_support import client_for, customer, member_of
from tests.requests_desk.views_support import text
from tests.seoul import at

pytestmark = pytest.mark.django_db

WINDOWS = "/api/v1/test-windows/"
PAGES = "/desk/records/test-windows/"


@pytest.fixture
def finance(charter, settings, tmp_path):
    settings.CHARTER_PRIVATE_MEDIA_ROOT = str(tmp_path)
    owner = member_of("fin-powerbase", "pb.owner")
    return client_for(owner), owner


def payload(owner, **changes) -> dict:
    return {
        "division": "financial",
        "kind": "customer",
        "starts_at": "2027-02-09T14:00:00+09:00",
        "ends_at": "2027-02-12T16:00:00+09:00",
        "owner": owner.pk,
        **changes,
    }


def create(api, owner, **changes) -> dict:
    with at(2027, 2, 1, 10):
        response = api.post(WINDOWS, payload(owner, **changes), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def clocks(body) -> dict:
    return {clock["commitment"]: clock for clock in body["deadlines"]}


def test_a_window_starts_its_clocks_from_its_start_and_its_end(finance):
    api, owner = finance
    body = clocks(create(api, owner))
    assert body["finance.test-owner"]["started_at"] == "2027-02-09T14:00:00+09:00"
    assert body["finance.test-owner"]["due_at"] == "2027-02-10T18:00:00+09:00"
    assert body["finance.test-report"]["started_at"] == "2027-02-12T16:00:00+09:00"
    assert body["finance.test-report"]["due_at"] == "2027-02-15T16:00:00+09:00"


def test_telling_the_owner_and_the_customer_report_keep_them(finance):
    api, owner = finance
    body = create(api, owner)
    with at(2027, 2, 10, 11):
        told = api.post(
            f"{WINDOWS}{body['id']}/owner-told/",
            {"at": "2027-02-10T10:30:00+09:00", "told_person": "김 과장"},
            format="json",
        )
    assert told.status_code == 200, told.content
    assert clocks(told.json())["finance.test-owner"]["state"] == "met"
    assert clocks(told.json())["finance.test-report"]["state"] == "running"
    with at(2027, 2, 15, 15):
        report = api.post(
            f"{WINDOWS}{body['id']}/report/",
            {
                "at": "2027-02-15T15:00:00+09:00",
                "report_errors": "주문 화면 오류 1건",
                "report_outcome": "모든 시나리오 통과",
                "report_file": SimpleUploadedFile("report.txt", b"test report"),
            },
            format="multipart",
        )
    assert report.status_code == 200, report.content
    assert clocks(report.json())["finance.test-report"]["state"] == "met"
    assert report.json()["report_file"] == "report.txt"


def test_the_owner_e_mailed_to_the_customer_keeps_the_clock_once_delivered(finance, moment):
    api, owner = finance
    owner.first_name, owner.email = "Minsu Park", "pb.owner@example.com"
    owner.save()
    body = create(api, owner, customer=customer(), title="PowerBase 3.2 고객 테스트")
    with moment(2027, 2, 10, 11):
        told = api.post(f"{WINDOWS}{body['id']}/owner-tell/", {"language": "en"}, format="json")
        assert told.status_code == 200, told.content
        # Queued is not told: the clock runs until the mail server accepts the e-mail.
        assert clocks(told.json())["finance.test-owner"]["state"] == "running"
    (mail,) = Notification.objects.filter(subject_type="test-window", step="message")
    assert (mail.channel, mail.recipient, mail.language) == ("email", "hong@example.com", "en")
    assert mail.subject == "[PowerBase test owner] PowerBase 3.2 고객 테스트"
    assert "Test owner: Minsu Park (pb.owner@example.com)" in mail.body
    assert "Period: Tue 9 Feb 2027 14:00 – Fri 12 Feb 2027 16:00" in mail.body
    with moment(2027, 2, 10, 11, 5):
        call_command("deliver_notifications")
    clock = clocks(api.get(f"{WINDOWS}{body['id']}/").json())["finance.test-owner"]
    assert (clock["state"], clock["stopped_at"]) == ("met", "2027-02-10T11:05:00+09:00")
    assert Notification.objects.get(pk=mail.pk).state == "sent"


def test_the_page_shows_the_owner_e_mail_before_it_is_sent_and_a_refused_one_breaches(
    finance, client, smtp, moment
):
    api, owner = finance
    body = create(api, owner, customer=customer(email="gone@example.com"))
    smtp.unknown.add("gone@example.com")
    client.force_login(owner)
    with moment(2027, 2, 10, 11):
        page = text(client.get(f"{PAGES}{body['id']}/"))
        assert 'id="preview-owner-tell"' in page
        assert "[PowerBase 테스트 담당자 안내] PowerBase 고객 테스트" in page  # Korean first
        assert "gone@example.com" in page
        assert 'id="preview-report-email"' in page
        assert "(아래에 입력하는 결과)" in page  # the report's outcome, written on the form
        sent = client.post(f"{PAGES}{body['id']}/owner-tell/", {"language": "ko"})
        assert sent.status_code == 302, text(sent)
        call_command("deliver_notifications")
    assert Notification.objects.get(subject_type="test-window").state == "failed"
    assert smtp.messages == []
    owner_clock = Deadline.objects.get(
        subject_type="test-window", commitment_code="finance.test-owner"
    )
    assert owner_clock.state == "running"  # the customer was never told
    call_command("sweep_deadlines", now="2027-02-10T18:01:00+09:00", verbosity=0)
    owner_clock.refresh_from_db()
    assert (owner_clock.state, owner_clock.stopped_at) == ("breached", None)


def test_a_window_without_a_customer_cannot_e_mail_the_owner_but_a_call_may_be_logged(
    finance, client
):
    api, owner = finance
    body = create(api, owner)
    client.force_login(owner)
    with at(2027, 2, 10, 11):
        page = text(client.get(f"{PAGES}{body['id']}/"))
        refused = client.post(f"{PAGES}{body['id']}/owner-tell/", {"language": "ko"})
        called = client.post(
            f"{PAGES}{body['id']}/owner-told/",
            {"at": "2027-02-10T10:30", "told_person": "김 과장"},
        )
    assert "보낼 수 있는 고객이 없습니다" in page
    assert refused.status_code == 400
    assert "전자우편 주소가 있는 고객이 없습니다" in text(refused)
    assert not Notification.objects.filter(subject_type="test-window").exists()
    assert called.status_code == 302, text(called)
    owner_clock = Deadline.objects.get(
        subject_type="test-window", commitment_code="finance.test-owner"
    )
    assert (owner_clock.state, owner_clock.stop_cause) == (
        "met",
        f"owner {owner} told on the phone to 김 과장",
    )


def test_the_customer_report_e_mailed_with_its_file_keeps_the_clock_once_accepted(
    finance, smtp, moment
):
    api, owner = finance
    body = create(api, owner, customer=customer(), title="PowerBase 3.2")
    url = f"{WINDOWS}{body['id']}/report-email/"
    report = {"report_outcome": "모든 시나리오 통과", "report_errors": "주문 화면 오류 1건"}
    with moment(2027, 2, 12, 15):
        early = api.post(url, report, format="json")
    assert early.status_code == 400  # the test ends at 16:00
    assert "report_outcome" in early.json()
    with moment(2027, 2, 15, 10):
        sent = api.post(
            url,
            {**report, "report_file": SimpleUploadedFile("report.txt", b"test report")},
            format="multipart",
        )
        assert sent.status_code == 200, sent.content
        # Queued is not told: the clock runs until the mail server accepts the e-mail.
        assert clocks(sent.json())["finance.test-report"]["state"] == "running"
    with moment(2027, 2, 15, 10, 4):
        call_command("deliver_notifications")
    (mail,) = [m for m in smtp.messages if "PowerBase" in m.subject]
    assert mail.recipients == ("hong@example.com",)
    assert mail.subject.strip() == "[PowerBase 테스트 결과 보고] PowerBase 3.2"
    attached = [
        (part.get_filename(), part.get_content()) for part in mail.message.iter_attachments()
    ]
    assert [(name.startswith("report"), content) for name, content in attached] == [
        (True, "test report")
    ]
    assert "주문 화면 오류 1건" in mail.message.get_body(("plain",)).get_content()
    clock = clocks(api.get(f"{WINDOWS}{body['id']}/").json())["finance.test-report"]
    assert (clock["state"], clock["stopped_at"]) == ("met", "2027-02-15T10:04:00+09:00")


def test_a_report_before_the_end_is_refused_and_none_breaches(finance):
    api, owner = finance
    body = create(api, owner)
    with at(2027, 2, 11, 10):
        early = api.post(
            f"{WINDOWS}{body['id']}/report/",
            {"at": "2027-02-11T10:00:00+09:00", "report_outcome": "ok"},
            format="json",
        )
    assert early.status_code == 400, early.content
    call_command("sweep_deadlines", now="2027-02-15T16:01:00+09:00", verbosity=0)
    states = {
        c.commitment_code: c.state for c in Deadline.objects.filter(subject_type="test-window")
    }
    assert states == {"finance.test-owner": "breached", "finance.test-report": "breached"}


def test_bad_input_is_refused_with_field_errors(finance, people):
    api, owner = finance
    with at(2027, 2, 1, 10):
        backwards = api.post(
            WINDOWS, payload(owner, ends_at="2027-02-09T13:00:00+09:00"), format="json"
        )
        kind = api.post(WINDOWS, payload(owner, kind="external"), format="json")
        outsider = api.post(WINDOWS, payload(people["staff"]), format="json")
    assert backwards.status_code == 400
    assert "ends_at" in backwards.json()
    assert kind.status_code == 400
    assert "kind" in kind.json()
    assert outsider.status_code == 400
    assert "owner" in outsider.json()


def test_the_pages_show_the_window_and_hand_out_the_report_file_to_the_division(
    finance, client, people
):
    api, owner = finance
    body = create(api, owner)
    with at(2027, 2, 13, 10):
        client.force_login(owner)
        bad = client.post(
            f"{PAGES}{body['id']}/report/", {"at": "2027-02-13T09:00", "report_outcome": ""}
        )
        assert bad.status_code == 400
        sent = client.post(
            f"{PAGES}{body['id']}/report/",
            {
                "at": "2027-02-13T09:00",
                "report_outcome": "통과",
                "report_file": SimpleUploadedFile("result.txt", b"all good"),
            },
        )
        assert sent.status_code == 302, text(sent)
        page = client.get(f"{PAGES}{body['id']}/")
        download = client.get(f"{PAGES}{body['id']}/report-file/")
    assert 'data-commitment="finance.test-report" data-state="met"' in text(page)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"all good"
    client.force_login(people["staff"])
    assert client.get(f"{PAGES}{body['id']}/report-file/").status_code == 404
