"""Following a case by tracking code and e-mail, and writing to us about it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.models import Team
from notifications.models import Notification
from requests_desk import cases
from requests_desk.models import Activity, Request
from tests.factories import UserFactory
from tests.requests_desk.public.support import (
    COMPLAINT,
    TRACK,
    complaint_data,
    text,
    without_tokens,
)
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


@pytest.fixture
def staff():
    user = UserFactory(username="infra.staff", first_name="Min", last_name="Staff")
    Team.objects.get(code="net-support").members.add(user)
    return user


@pytest.fixture
def case(client):
    """A complaint filed on the homepage by a visitor whose session is then forgotten."""
    with at(2026, 12, 2, 10, 0):
        client.post(COMPLAINT, complaint_data())
    client.session.flush()
    client.cookies.clear()
    return Request.objects.get()


def look_up(client, code, email="hong@example.com", prefix=""):
    return client.post(f"{prefix}{TRACK}", {"tracking_code": code, "email": email})


def test_the_right_code_and_e_mail_open_the_case_without_the_e_mail_in_the_address(client, case):
    with at(2026, 12, 2, 11, 0):  # an hour after filing: the same-day answer is still owed
        response = look_up(client, case.tracking_code.lower(), email=" Hong@Example.COM ")
        assert response.status_code == 302
        page = text(client.get(response["Location"]))

    assert response["Location"] == f"/track/{case.tracking_code}/"
    assert "example" not in response["Location"]
    assert case.tracking_code in page
    assert 'data-status="new"' in page
    assert "시세 수신이 지연됩니다" in page
    # The same-day answer is due at closing, shown in Seoul time.
    assert (
        '<dd class="col-sm-9" id="answer-due"><time datetime="2026-12-02T18:00:00+09:00">' in page
    )


def test_an_unknown_code_and_a_wrong_e_mail_get_exactly_the_same_answer(client, case):
    unknown = look_up(client, "ZZZZZZZZZZ")
    wrong_email = look_up(client, case.tracking_code, email="someone@example.com")

    assert unknown.status_code == wrong_email.status_code == 404
    # The same page, but for what each visitor typed (kept in the form).
    first = without_tokens(unknown).replace("ZZZZZZZZZZ", "<code>")
    second = without_tokens(wrong_email).replace(case.tracking_code, "<code>")
    assert first.replace("hong@example.com", "<email>") == second.replace(
        "someone@example.com", "<email>"
    )
    assert case.subject not in text(wrong_email)
    # And neither lets the visitor in.
    assert client.get(f"/track/{case.tracking_code}/").status_code == 302


@pytest.mark.parametrize(
    ("code", "email"),
    [
        ("", ""),
        ("A" * 31, "hong@example.com"),
        ("ABC\x00DEF", "hong@example.com"),
        ("' OR 1=1 --", "hong@example.com"),
        ("<script>", "not-an-email"),
        ("😀😀😀", "hong@example.com"),
    ],
)
def test_bad_look_ups_are_refused_without_a_500(client, case, code, email):
    response = look_up(client, code, email=email)

    assert response.status_code in (400, 404)
    assert 'class="alert alert-danger error-summary"' in response.content.decode()
    assert "<script>" not in response.content.decode().split("</nav>", 1)[1]


def test_the_case_page_needs_the_look_up_first(client, case):
    response = client.get(f"/track/{case.tracking_code}/")

    assert response.status_code == 302
    # The look-up form, with the code filled in; the page itself shows nothing yet.
    assert response["Location"] == f"{TRACK}?code={case.tracking_code}"


def test_the_timeline_shows_what_we_told_and_what_they_wrote_never_internal_notes(
    client, case, staff
):
    cases.request_add_note(case, actor=staff, text="Internal: customer is grumpy")
    cases.request_communicate(
        case,
        actor=staff,
        purpose="result",
        channel="email",
        summary="지연 원인을 찾아 해결했습니다.",
    )
    look_up(client, case.tracking_code)

    page = text(client.get(f"/track/{case.tracking_code}/"))

    assert "지연 원인을 찾아 해결했습니다." in page
    assert "Internal: customer is grumpy" not in page
    assert "Min" not in page  # staff names stay inside
    assert "common.homepage-input" not in page


def test_a_reply_reaches_the_case_and_the_person_who_has_it(client, case, staff):
    case.assignee = staff
    case.save(update_fields=["assignee"])
    look_up(client, case.tracking_code)

    response = client.post(
        f"/track/{case.tracking_code}/reply/", {"message": "아직도 느립니다 <b>확인</b> 부탁"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/track/{case.tracking_code}/#public-timeline"
    message = Activity.objects.get(request=case, kind="customer_message")
    assert message.public is True
    assert message.text == "아직도 느립니다 <b>확인</b> 부탁"
    page = client.get(f"/track/{case.tracking_code}/").content.decode()
    assert "아직도 느립니다 &lt;b&gt;확인&lt;/b&gt; 부탁" in page
    told = Notification.objects.get(subject_type="request", recipient=staff.email)
    assert case.tracking_code in told.subject
    assert f"/desk/requests/{case.pk}/" in told.body
    client.force_login(staff)
    desk = client.get(f"/desk/requests/{case.pk}/").content.decode()
    assert 'data-kind="customer_message"' in desk


def test_a_reply_on_an_unassigned_case_goes_to_the_team_manager(client, case):
    look_up(client, case.tracking_code)

    client.post(f"/track/{case.tracking_code}/reply/", {"message": "추가 문의"})

    manager = Team.objects.get(code="net-support").manager
    assert Notification.objects.filter(recipient=manager.email, step="message").exists()


def test_a_note_written_with_a_status_change_stays_internal(client, case, staff):
    cases.request_set_status(
        case, actor=staff, status="in_progress", note="Internal: waiting for the vendor"
    )
    look_up(client, case.tracking_code)

    page = text(client.get(f"/track/{case.tracking_code}/"))

    assert "처리 중" in page
    assert "waiting for the vendor" not in page


def test_a_reply_ends_the_wait_on_the_customer_and_the_paused_clocks_run_again(client, case, staff):
    from commitments.models import Deadline

    with at(2026, 12, 2, 11, 0):
        cases.request_set_status(case, actor=staff, status="waiting")
    paused = Deadline.objects.filter(subject_id=str(case.pk), state="paused")
    assert paused.exists()
    look_up(client, case.tracking_code)

    with at(2026, 12, 2, 14, 0):
        client.post(f"/track/{case.tracking_code}/reply/", {"message": "자료를 보냅니다"})

    case.refresh_from_db()
    assert case.status == "in_progress"
    assert not Deadline.objects.filter(subject_id=str(case.pk), state="paused").exists()


def test_a_reply_reopens_a_resolved_case(client, case, staff):
    cases.request_set_status(case, actor=staff, status="resolved")
    look_up(client, case.tracking_code)

    client.post(f"/track/{case.tracking_code}/reply/", {"message": "해결되지 않았습니다"})

    case.refresh_from_db()
    assert case.status == "in_progress"
    assert case.resolved_at is None
    # Back in the team's queue, with the message on its page.
    client.force_login(staff)
    assert case.tracking_code in client.get("/desk/").content.decode()


def test_a_closed_case_takes_no_reply_and_says_what_to_do(client, case, staff):
    cases.request_set_status(case, actor=staff, status="closed")
    look_up(client, case.tracking_code)
    assert 'id="reply-form"' not in client.get(f"/track/{case.tracking_code}/").content.decode()

    response = client.post(f"/track/{case.tracking_code}/reply/", {"message": "다시 봐주세요"})

    assert response.status_code == 400
    assert case.tracking_code in text(response)
    assert not Activity.objects.filter(kind="customer_message").exists()


@pytest.mark.parametrize("message", ["", "   ", "x" * 10_001, "null \x00 byte"])
def test_a_bad_reply_is_refused_and_kept(client, case, message):
    look_up(client, case.tracking_code)

    response = client.post(f"/track/{case.tracking_code}/reply/", {"message": message})

    assert response.status_code == 400
    assert 'href="#id_message"' in response.content.decode()
    assert not Activity.objects.filter(kind="customer_message").exists()


def test_a_reply_without_the_look_up_is_not_taken(client, case):
    response = client.post(f"/track/{case.tracking_code}/reply/", {"message": "hi"})

    assert response.status_code == 302
    assert response["Location"] == TRACK
    assert not Activity.objects.filter(kind="customer_message").exists()


def test_a_honeypot_look_up_gets_the_not_found_answer(client, case):
    response = client.post(
        TRACK,
        {"tracking_code": case.tracking_code, "email": "hong@example.com", "website": "x"},
    )

    assert response.status_code == 404
    assert client.get(f"/track/{case.tracking_code}/").status_code == 302


def test_a_honeypot_reply_looks_sent_and_adds_nothing(client, case):
    look_up(client, case.tracking_code)

    response = client.post(
        f"/track/{case.tracking_code}/reply/", {"message": "buy now", "website": "http://x"}
    )

    assert response.status_code == 302
    assert not Activity.objects.filter(kind="customer_message").exists()


def test_look_ups_are_rate_limited_per_address(client, case, settings):
    settings.CHARTER_PUBLIC_LOOKUPS_PER_IP_HOUR = 3
    for _ in range(3):
        assert look_up(client, "ZZZZZZZZZZ").status_code == 404

    refused = look_up(client, case.tracking_code, prefix="/en")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many submissions" in text(refused)
    assert f'value="{case.tracking_code}"' in text(refused)


def test_the_page_shows_seoul_times(client, case):
    look_up(client, case.tracking_code)

    page = text(client.get(f"/track/{case.tracking_code}/"))

    assert "2026-12-02" in page
    assert "10:00" in page
    assert timezone.get_current_timezone_name() == "Asia/Seoul"


def test_the_case_page_queries_do_not_grow_with_its_timeline(
    client, case, staff, django_assert_max_num_queries
):
    look_up(client, case.tracking_code)
    address = f"/track/{case.tracking_code}/"
    cases.request_communicate(case, actor=staff, purpose="eta", channel="phone", summary="1")
    with CaptureQueriesContext(connection) as few:
        client.get(address)
    for n in range(6):
        cases.request_communicate(
            case, actor=staff, purpose="progress", channel="phone", summary=f"step {n}"
        )
        Activity.objects.create(
            request=case, kind="customer_message", text=f"reply {n}", public=True
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = text(client.get(address))
    assert "step 5" in page
    assert "reply 5" in page
