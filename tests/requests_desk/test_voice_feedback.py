"""``voice.complaint-feedback``: the team manager's feedback on a complaint, recorded and
communicated from the request page, stops the clock — and only a manager's does."""

import pytest

from notifications.models import Notification
from requests_desk import cases
from requests_desk.cases import DeskError
from requests_desk.models import Activity
from tests.requests_desk.desk_support import clock, new_request
from tests.requests_desk.views_support import text
from tests.requests_desk.voice_factories import voice_people

pytestmark = pytest.mark.usefixtures("korean")
FEEDBACK = "voice.complaint-feedback"


@pytest.fixture
def people(charter):
    return voice_people()


@pytest.fixture
def complaint(people):
    return new_request(people["staff"], kind="complaint", subject="정산 화면 오류 불만")


def feedback(client, complaint, summary="팀장 확인 결과 재발 방지 조치를 완료했습니다."):
    return client.post(
        f"/desk/requests/{complaint.pk}/communicate/",
        {
            "communicate-purpose": "feedback",
            "communicate-channel": "email",
            "communicate-summary": summary,
        },
    )


def test_a_complaint_owes_the_managers_feedback(complaint):
    assert clock(complaint, FEEDBACK).state == "running"


def test_the_team_manager_gives_feedback_from_the_request_page_and_the_clock_stops(
    client, people, complaint
):
    client.force_login(people["manager"])

    response = feedback(client, complaint)

    assert response.status_code == 302
    assert clock(complaint, FEEDBACK).state == "met"
    message = Notification.objects.get(step="message", subject_id=str(complaint.pk))
    assert message.recipient == complaint.customer.email
    assert "재발 방지" in message.body
    page = text(client.get(f"/desk/requests/{complaint.pk}/"))
    assert f'data-commitment="{FEEDBACK}" data-state="met"' in page


def test_staff_cannot_give_the_managers_feedback(client, people, complaint):
    client.force_login(people["staff"])
    typed = "제가 대신 피드백 드립니다."

    response = client.post(
        f"/en/desk/requests/{complaint.pk}/communicate/",
        {
            "communicate-purpose": "feedback",
            "communicate-channel": "email",
            "communicate-summary": typed,
        },
    )

    assert response.status_code == 400
    page = text(response)
    assert "Only a manager of the request's division may give the feedback" in page
    assert typed in page
    assert clock(complaint, FEEDBACK).state == "running"
    assert not Activity.objects.filter(text=typed).exists()
    assert not Notification.objects.filter(step="message").exists()


def test_the_service_refuses_a_non_manager_and_a_manager_of_another_division(people, complaint):
    for actor in (people["staff"], people["market_manager"]):
        with pytest.raises(DeskError) as refused:
            cases.request_communicate(
                complaint, actor=actor, purpose="feedback", channel="phone", summary="x"
            )
        assert "purpose" in refused.value.message_dict
    assert clock(complaint, FEEDBACK).state == "running"


def test_an_admin_may_give_it(people, complaint):
    cases.request_communicate(
        complaint, actor=people["admin"], purpose="feedback", channel="phone", summary="확인함"
    )
    assert clock(complaint, FEEDBACK).state == "met"


def test_staff_still_give_other_answers_on_a_complaint(people, complaint):
    cases.request_communicate(
        complaint, actor=people["staff"], purpose="result", channel="phone", summary="처리 완료"
    )
    assert clock(complaint, FEEDBACK).state == "running"


def test_staff_still_give_feedback_on_requests_that_need_no_manager(people):
    consultation = new_request(people["staff"], kind="bizdev_consultation", subject="사업 상담")
    assert FEEDBACK not in {c.commitment_code for c in cases.request_clocks(consultation)}

    cases.request_communicate(
        consultation, actor=people["staff"], purpose="feedback", channel="phone", summary="의견"
    )

    assert clock(consultation, "bizdev.feedback-1w").state == "met"
