"""Canned replies: admins write them with placeholders; staff pick one in "tell the customer";
the text rendered for the case is what is stored and sent."""

import pytest

from notifications.delivery import deliver_due
from requests_desk.models import Activity, CannedReply
from tests.factories import CustomerContactFactory, UserFactory
from tests.requests_desk.desk_support import new_request
from tests.requests_desk.views_support import text
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]

BODY = (
    "{customer}님, 접수번호 {tracking_code} 건의 검토 결과를 {due}까지 알려 드리겠습니다. "
    "담당: {assignee}"
)


@pytest.fixture
def reply(charter):
    return CannedReply.objects.create(
        title="검토 일정 안내", purpose="feasibility", language="ko", body=BODY
    )


@pytest.fixture
def case(staff):
    """Received Wed 23 Sep 2026 15:00 KST: one business day (9 h) on the KR calendar is 3 h on
    Wednesday, Chuseok Thu-Fri, the weekend, then 6 h on Monday → due Mon 28 Sep 15:00 KST."""
    customer = CustomerContactFactory(name="홍길동", email="hong@example.com")
    with at(2026, 9, 23, 15, 0):
        return new_request(staff, customer=customer, assignee=staff)


def expected(case, staff) -> str:
    name = staff.get_full_name() or staff.get_username()
    return (
        f"홍길동님, 접수번호 {case.tracking_code} 건의 검토 결과를 2026-09-28 15:00 KST까지 "
        f"알려 드리겠습니다. 담당: {name}"
    )


def communicate(client, case, **fields):
    return client.post(
        f"/desk/requests/{case.pk}/communicate/",
        {
            "communicate-purpose": "other",
            "communicate-channel": "email",
            "communicate-summary": "",
            **{f"communicate-{name}": value for name, value in fields.items()},
        },
    )


def test_use_this_reply_fills_in_the_text_for_the_case_and_records_nothing(
    client, staff, case, reply
):
    with at(2026, 9, 23, 16, 0):
        response = communicate(client, case, canned=reply.pk, use_template="1")

    assert response.status_code == 200
    page = text(response)
    assert expected(case, staff) in page
    assert '<option value="feasibility" selected' in page  # the reply's purpose
    assert not Activity.objects.filter(request=case, kind="communication").exists()


def test_the_page_carries_each_reply_rendered_for_the_script(client, staff, case, reply):
    with at(2026, 9, 23, 16, 0):
        page = text(client.get(f"/desk/requests/{case.pk}/"))

    assert '<script id="canned-replies" type="application/json">' in page
    assert "js/canned-replies" in page
    assert case.tracking_code in page.split('id="canned-replies"')[1].split("</script>")[0]


def test_the_rendered_reply_is_stored_sent_and_stops_the_clock(client, staff, case, reply, smtp):
    with at(2026, 9, 23, 16, 0):
        response = communicate(client, case, canned=reply.pk, purpose="feasibility")
    assert response.status_code == 302

    told = Activity.objects.get(request=case, kind="communication")
    assert told.text == expected(case, staff)
    assert told.data["canned_reply"] == reply.pk
    assert told.data["stopped"] == ["common.feasibility"]
    deliver_due(now=kst(2026, 9, 23, 16, 1))
    smtp.wait_for(2, timeout=10)  # the acknowledgement of the request, then the answer
    [mail] = [
        m
        for m in smtp.to("hong@example.com")
        if m.subject == f"[{case.tracking_code}] {case.subject}"
    ]
    assert expected(case, staff) in mail.message.get_body(("plain",)).get_content()


def test_text_edited_after_picking_a_reply_is_what_is_stored(client, staff, case, reply):
    with at(2026, 9, 23, 16, 0):
        communicate(
            client, case, canned=reply.pk, purpose="feasibility", summary="Edited: feasible."
        )

    assert Activity.objects.get(request=case, kind="communication").text == "Edited: feasible."


def test_no_text_and_no_reply_is_refused(client, staff, case, reply):
    with at(2026, 9, 23, 16, 0):
        response = communicate(client, case, told_person="Kim")

    assert response.status_code == 400
    assert "summary" in response.context["forms"]["communicate"].errors


def test_admins_edit_replies_and_an_unknown_placeholder_is_refused(client, charter):
    admin = UserFactory(username="canned.admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    form = {
        "title": "Result",
        "purpose": "result",
        "language": "en",
        "body": "Dear {customer}, {tracking_code} is done. {signature}",
        "active": "on",
    }

    refused = client.post("/admin/requests_desk/cannedreply/add/", form)
    accepted = client.post(
        "/admin/requests_desk/cannedreply/add/",
        {**form, "body": "Dear {customer}, {tracking_code} is done."},
    )

    assert refused.status_code == 200
    assert "{signature}" in text(refused)
    assert accepted.status_code == 302
    saved = CannedReply.objects.get(title="Result")
    assert saved.history.count() == 1


def test_a_reply_an_admin_changes_or_adds_is_offered_as_saved_though_the_page_remembered_them(
    client, staff, case, reply, django_capture_on_commit_callbacks
):
    from django.test import Client

    page = f"/desk/requests/{case.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page)  # the replies remembered, as between views
    admin = Client()
    admin.force_login(UserFactory(username="canned.editor", is_superuser=True, is_staff=True))
    form = {"purpose": "feasibility", "language": "ko", "body": BODY, "active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        changed = admin.post(
            f"/admin/requests_desk/cannedreply/{reply.pk}/change/", {**form, "title": "일정 안내"}
        )
        added = admin.post("/admin/requests_desk/cannedreply/add/", {**form, "title": "새 안내"})

    offered = client.get(page).content.decode().split('id="action-communicate"')[1]

    assert (changed.status_code, added.status_code) == (302, 302)
    assert "일정 안내" in offered
    assert "새 안내" in offered
    assert "검토 일정 안내" not in offered
