"""The timeline reads in the reader's language, whoever acted and in whichever language.

Hand-worked instants: a request received Wed 2026-09-23 15:00 KST (the day before Chuseok,
Thu 24 – Sat 26 September 2026) owes feasibility within 9 working hours: 3 h on Wednesday,
6 h on Monday → Mon 2026-09-28 15:00 KST.
"""

from html import unescape

import pytest
from django.utils import translation

from commitments.models import DeadlineEvent
from requests_desk import cases
from requests_desk.cases.timeline_words import clock_event_words
from requests_desk.models import Activity, Request
from tests.requests_desk.api_support import client_for
from tests.requests_desk.desk_support import clock, member_of, new_request
from tests.requests_desk.public.support import COMPLAINT, TRACK, complaint_data
from tests.requests_desk.test_views_edit import edit_data
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


@pytest.fixture
def staff(client, demo_users):
    client.force_login(demo_users["staff"])
    return demo_users["staff"]


def page(client, path: str) -> str:
    """The timeline's part of the page, as the reader sees it."""
    response = client.get(path)
    assert response.status_code == 200
    content = unescape(response.content.decode())
    return content[content.index('id="timeline"') :]


def act_on(client, case, prefix: str, *, reason: str, note: str, summary: str) -> None:
    """Raise the priority saying why, wait on the customer and stop waiting, then tell the
    customer the request is feasible: each through the request page at ``prefix``."""
    desk = f"{prefix}/desk/requests/{case.pk}"
    with at(2026, 9, 23, 16, 0):
        edit = client.post(f"{desk}/edit/", edit_data(case, priority="high", reason=reason))
        assert edit.status_code == 302, edit.content
    for hour, status in ((16, "waiting"), (17, "in_progress")):
        case.refresh_from_db()
        with at(2026, 9, 23, hour, 30):
            moved = client.post(
                f"{desk}/status/",
                {"status-status": status, "status-note": note, "status-version": case.version},
            )
            assert moved.status_code == 302, moved.content
    with at(2026, 9, 23, 17, 45):
        told = client.post(
            f"{desk}/communicate/",
            {
                "communicate-purpose": "feasibility",
                "communicate-channel": "phone",
                "communicate-summary": summary,
            },
        )
        assert told.status_code == 302, told.content
    assert clock(case, "common.feasibility").state == "met"


def test_a_case_acted_on_in_korean_reads_in_english_for_an_english_reader(client, staff):
    with at(2026, 9, 23, 15, 0), translation.override("ko"):
        case = new_request(staff, channel="phone")
    act_on(client, case, "", reason="고객 재촉", note="자료 요청", summary="3일 소요 예상")

    english = page(client, f"/en/desk/requests/{case.pk}/")

    assert "Request received by Phone." in english
    assert "Priority: Normal → High" in english
    assert "Why: 고객 재촉" in english  # what was typed stays as typed
    assert "Changed: Priority" in english  # the clocks were recomputed
    assert "Waiting on the customer." in english
    assert "Status: In progress" in english  # why the clock counts again
    assert "Told the customer: Feasibility answer" in english
    assert "3일 소요 예상" in english
    for korean in ("우선순위", "보통", "접수함", "변경 항목", "사유:", "고객 안내"):
        assert korean not in english
    assert "feasibility communicated" not in english
    # And the Korean reader reads the same lines in Korean.
    korean = page(client, f"/desk/requests/{case.pk}/")
    assert "전화 채널로 요청을 접수함." in korean
    assert "우선순위: 보통 → 높음" in korean
    assert "사유: 고객 재촉" in korean
    assert "고객 안내: 수용 가능 여부 회신" in korean


def test_a_case_acted_on_in_english_reads_in_korean_for_a_korean_reader(client, staff):
    with at(2026, 9, 23, 15, 0), translation.override("en"):
        case = new_request(staff, channel="phone")
    act_on(client, case, "/en", reason="Customer chased", note="Asked for data", summary="3 days")

    korean = page(client, f"/desk/requests/{case.pk}/")

    assert "전화 채널로 요청을 접수함." in korean
    assert "우선순위: 보통 → 높음" in korean
    assert "사유: Customer chased" in korean
    assert "변경 항목: 우선순위" in korean
    assert "고객 응답을 기다리는 중입니다." in korean
    assert "상태: 처리 중" in korean
    assert "고객 안내: 수용 가능 여부 회신" in korean
    for english in ("Priority", "Normal", "Request received", "Why:", "Told the customer"):
        assert english not in korean
    assert "feasibility communicated" not in korean
    assert "waiting on the customer" not in korean


def test_the_api_timeline_gives_the_codes_and_values_beside_the_words(staff):
    with at(2026, 9, 23, 15, 0), translation.override("en"):
        case = new_request(staff)
        cases.request_update(case, actor=staff, version=case.version, priority="urgent")

    # The API speaks the portal's default language; a client can word the codes itself.
    answer = client_for(staff).get(f"/api/v1/requests/{case.pk}/timeline/")

    change = next(e for e in answer.json()["results"] if e["kind"] == "change")
    assert change["event"] == "changed"
    assert change["data"]["changes"] == [{"field": "priority", "old": "normal", "new": "urgent"}]
    assert change["lines"] == ["우선순위: 보통 → 긴급"]
    assert change["text"] == ""


# --- The customer's tracking page --------------------------------------------------------------


@pytest.fixture
def complaint(client):
    """A complaint filed on the homepage (in Korean) by 홍길동, who then follows it."""
    with at(2026, 12, 2, 10, 0):
        client.post(COMPLAINT, complaint_data())
    client.session.flush()
    client.cookies.clear()
    return Request.objects.get()


@pytest.fixture
def handler():
    return member_of("net-support", "infra.handler")


def follow(client, case) -> None:
    client.post(f"/en{TRACK}", {"tracking_code": case.tracking_code, "email": "hong@example.com"})


def test_a_call_back_logged_in_korean_reads_in_english_on_the_tracking_page(
    client, complaint, handler
):
    with at(2026, 12, 2, 10, 30), translation.override("ko"):
        call = cases.call_log(
            actor=handler,
            request=complaint,
            customer=complaint.customer,
            caller_name="홍길동",
            organisation=complaint.customer.organisation.name,
            caller_phone="02-1234-5678",
            division=complaint.division,
            rings=2,
            person_absent=True,
            summary="",
        )
        cases.call_record_callback(call, actor=handler)
    follow(client, complaint)

    english = unescape(client.get(f"/en/track/{complaint.tracking_code}/").content.decode())
    korean = unescape(client.get(f"/track/{complaint.tracking_code}/").content.decode())

    assert "Called 홍길동 back." in english
    assert "회신 전화함" not in english
    assert "홍길동 님께 회신 전화함." in korean


def test_a_customer_reply_written_in_english_reads_in_korean_for_staff(client, complaint, handler):
    with at(2026, 12, 2, 11, 0):
        cases.request_set_status(complaint, actor=handler, status="resolved")
    follow(client, complaint)
    with at(2026, 12, 2, 12, 0):
        client.post(
            f"/en/track/{complaint.tracking_code}/reply/", {"message": "Still slow, sorry."}
        )

    reopened = Activity.objects.get(request=complaint, kind="status", to_status="in_progress")
    assert (reopened.event, reopened.text) == ("customer_reopened", "")
    client.force_login(handler)
    korean = page(client, f"/desk/requests/{complaint.pk}/")
    assert "고객 메시지로 다시 열렸습니다." in korean
    assert "Still slow, sorry." in korean  # their message, as they wrote it
    assert "Reopened" not in korean


# --- The sweep's notes ---------------------------------------------------------------------------


def test_whom_the_sweep_could_not_reach_reads_in_either_language():
    event = DeadlineEvent(
        kind="escalated",
        note="no reachable team manager: told the division head",
        data={"gaps": [{"role": "team_manager", "told": "division_head"}]},
    )

    with translation.override("en"):
        assert clock_event_words(event).lines == (
            "No reachable team manager: told the division head instead.",
        )
    with translation.override("ko"):
        assert clock_event_words(event).lines == (
            "팀장에게 연락할 수 없어 본부장에게 대신 알렸습니다.",
        )


def test_a_clock_event_without_codes_shows_its_note_as_written():
    event = DeadlineEvent(kind="error", note="RuntimeError: boom", data={})

    assert clock_event_words(event).lines == ()
    assert clock_event_words(event).text == "RuntimeError: boom"


def test_a_lines_instants_kind_purpose_and_channel_read_in_the_readers_language(client, staff):
    with at(2026, 9, 23, 15, 0):
        case = new_request(staff, channel="phone")
    act_on(client, case, "", reason="-", note="-", summary="-")

    english = page(client, f"/en/desk/requests/{case.pk}/")
    korean = page(client, f"/desk/requests/{case.pk}/")

    # Told at Wed 23 Sep 17:45 KST; the feasibility clock started at 15:00, due Mon 28 Sep
    # 15:00 (3 h on Wednesday, Chuseok and the weekend skipped, 6 h on Monday).
    told = '<time datetime="2026-09-23T17:45:00+09:00">09-23 ({}) 17:45</time>'
    assert told.format("Wed") in english
    assert told.format("수요일") in korean  # Django's Korean weekdays are not abbreviated
    assert "due 2026-09-28 (Mon) 15:00" in english
    assert "2026-09-28 (월요일) 15:00" in korean
    line = english[english.index(told.format("Wed")) :].split("</tr>")[0]
    assert '<span class="badge text-bg-light border">Feasibility answer</span>' in line
    assert '<span class="small text-body-secondary">Phone</span>' in line
    line = korean[korean.index(told.format("수요일")) :].split("</tr>")[0]
    assert '<span class="badge text-bg-light border">수용 가능 여부 회신</span>' in line
    assert '<span class="small text-body-secondary">전화</span>' in line
