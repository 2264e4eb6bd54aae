"""The desk's notice pages: planning a suspension (with its short-notice warning), publishing
it to the customers of the affected services, changing it, and keeping the announcement board.

The affected customers are the contacts with a request about an affected service received in
the last NOTICE_AUDIENCE_DAYS (365) days: e-mail to their address, SMS to a mobile number."""

import pytest

from commitments.models import Deadline, DeadlineState, Service
from notifications.models import Notification
from notifications.notices.models import Announcement, SuspensionPlan, SuspensionState
from tests.factories import CustomerContactFactory, RequestFactory, UserFactory
from tests.notifications.notice_factories import planned
from tests.requests_desk.desk_support import member_of
from tests.requests_desk.views_support import signed_in_member, text
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]

NEW = "/desk/notices/suspensions/new/"


@pytest.fixture
def network(charter):
    return Service.objects.get(code="network")


def form_data(network, **changes) -> dict:
    return {
        "services": [network.pk],
        "starts_at": "2026-10-05T09:00",
        "ends_at": "2026-10-05T13:00",
        "cause": "service_improvement",
        "cause_other": "",
        "channels": ["screen", "email", "sms"],
        "title_ko": "네트워크 장비 교체",
        "body_ko": "장비 교체로 서비스가 중단됩니다.",
        "title_en": "Network equipment replacement",
        "body_en": "",
        **changes,
    }


def customer_of(service, *, email: str, phone: str = "", received_at=None):
    contact = CustomerContactFactory(email=email, phone=phone)
    RequestFactory(
        customer=contact,
        division=service.division,
        service=service,
        received_at=received_at or kst(2026, 6, 1, 10),
    )
    return contact


def sent(plan) -> list[tuple[str, str, str]]:
    return sorted(
        (n.idempotency_key.split(":")[2], n.channel, n.recipient)
        for n in Notification.objects.filter(subject_type="suspension", subject_id=str(plan.pk))
    )


# --- access ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_and_outsiders_are_refused(client, charter):
    response = client.get(NEW)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(NEW, {}).status_code == 302
    assert not SuspensionPlan.objects.exists()

    client.force_login(UserFactory(username="outsider", is_staff=False))
    assert client.get(NEW).status_code == 403
    assert client.get("/desk/notices/announcements/").status_code == 403


def test_the_public_notice_pages_need_no_account(client, charter):
    for path in ("/notices/suspensions/", "/notices/announcements/", "/emergency-contacts/", "/"):
        assert client.get(path).status_code == 200, path


def test_a_plan_of_another_division_is_not_found(client, network):
    owner = member_of("net-support", "net.planner")
    with at(2026, 9, 20, 10):
        plan = planned(owner, starts_at=kst(2026, 10, 5, 9))
    signed_in_member_of_market = member_of("market-it-infra", "market.staff")
    client.force_login(signed_in_member_of_market)

    assert client.get(f"/desk/notices/suspensions/{plan.pk}/").status_code == 404
    assert client.post(f"/desk/notices/suspensions/{plan.pk}/publish/").status_code == 404
    assert SuspensionPlan.objects.get(pk=plan.pk).state == SuspensionState.PLANNED


# --- planning -------------------------------------------------------------------------------


def test_staff_plan_a_suspension_and_its_notice_clock_starts(client, network):
    signed_in_member(client, "planner")
    with at(2026, 9, 20, 10):
        response = client.post(NEW, form_data(network))

    plan = SuspensionPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desk/notices/suspensions/{plan.pk}/"
    assert list(plan.services.all()) == [network]
    assert plan.starts_at == kst(2026, 10, 5, 9)
    assert plan.deadline.due_at == kst(2026, 9, 28, 9)
    page = text(client.get(response["Location"]))
    assert "네트워크 장비 교체" in page
    assert 'id="notice-clock" data-state="running"' in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2026-10-05T08:00"}, "ends_at"),
        ({"services": []}, "services"),
        ({"cause": "weather"}, "cause"),
        ({"cause": "other", "cause_other": ""}, "cause_other"),
        ({"starts_at": "2026-09-01T09:00", "ends_at": "2026-09-01T10:00"}, "starts_at"),
        ({"starts_at": "not a date"}, "starts_at"),
        ({"channels": []}, "channels"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"title_ko": "제목\x00"}, "title_ko"),
        ({"starts_at": "0001-01-01T00:00"}, "starts_at"),
    ],
)
def test_bad_input_comes_back_with_field_errors_and_everything_typed(
    client, network, changes, field
):
    signed_in_member(client, "planner")
    with at(2026, 9, 20, 10):
        response = client.post(NEW, form_data(network, body_ko="입력한 본문 <그대로>", **changes))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    page = response.content.decode()
    assert 'id="form-errors"' in page
    assert f'href="#id_{field}' in page
    assert "입력한 본문 &lt;그대로&gt;" in page
    assert not SuspensionPlan.objects.exists()


def test_a_service_of_another_division_cannot_be_chosen(client, network):
    signed_in_member(client, "planner")
    market = Service.objects.filter(division__code="market").first()
    with at(2026, 9, 20, 10):
        response = client.post(NEW, form_data(network, services=[market.pk]))

    assert response.status_code == 400
    assert "services" in response.context["form"].errors


def test_a_plan_with_short_notice_warns_and_goes_on_only_when_confirmed(client, network):
    signed_in_member(client, "planner")
    with at(2026, 10, 2, 9):
        warned = client.post(NEW, form_data(network))
        confirmed = client.post(NEW, form_data(network, accept_short_notice="on"))

    assert warned.status_code == 400
    assert 'id="short-notice-warning"' in warned.content.decode()
    assert 'name="accept_short_notice"' in warned.content.decode()
    assert 'name="accept_short_notice"' not in client.get(NEW).content.decode()
    assert "accept_short_notice" in warned.context["form"].errors
    assert 'value="네트워크 장비 교체"' in warned.content.decode()
    assert confirmed.status_code == 302
    plan = SuspensionPlan.objects.get()
    assert plan.deadline.due_at == kst(2026, 9, 28, 9)  # already past: the sweep breaches it


# --- publishing and changes -----------------------------------------------------------------


def test_publishing_tells_the_customers_of_the_affected_services_and_meets_the_clock(
    client, network
):
    kim = customer_of(network, email="kim@example.com", phone="010-1111-2222")
    customer_of(network, email="lee@example.com", phone="02-3333-4444")  # landline: no SMS
    customer_of(network, email="old@example.com", received_at=kst(2025, 6, 1, 10))  # too long ago
    customer_of(Service.objects.get(code="powerbase"), email="other@example.com")
    CustomerContactFactory(email="no-request@example.com")
    user = signed_in_member(client, "planner")
    with at(2026, 9, 20, 10):
        plan = planned(user, starts_at=kst(2026, 10, 5, 9), channels=["screen", "email", "sms"])
    with at(2026, 9, 27, 9):
        response = client.post(f"/desk/notices/suspensions/{plan.pk}/publish/")
        home = text(client.get("/en/"))

    assert response.status_code == 302
    assert sent(plan) == [
        ("1", "email", "kim@example.com"),
        ("1", "email", "lee@example.com"),
        ("1", "sms", kim.phone),
    ]
    plan.refresh_from_db()
    assert plan.state == SuspensionState.PUBLISHED
    assert Deadline.objects.get(pk=plan.deadline_id).state == DeadlineState.MET
    assert "Notice: 8 days before" in home
    assert "Network regular check-up" in home


def test_customers_whose_case_named_no_service_in_the_division_are_told_too(client, network):
    unsure = CustomerContactFactory(email="unsure@example.com")
    RequestFactory(
        customer=unsure, division=network.division, service=None, received_at=kst(2026, 6, 1, 10)
    )
    elsewhere = CustomerContactFactory(email="elsewhere@example.com")
    powerbase = Service.objects.get(code="powerbase")
    RequestFactory(
        customer=elsewhere, division=powerbase.division, service=None, received_at=kst(2026, 6, 1)
    )
    user = signed_in_member(client, "planner")
    with at(2026, 9, 20, 10):
        plan = planned(user, starts_at=kst(2026, 10, 5, 9), channels=["email"])
        client.post(f"/desk/notices/suspensions/{plan.pk}/publish/")

    assert sent(plan) == [("1", "email", "unsure@example.com")]


def test_rescheduling_and_cancelling_from_the_desk_tell_exactly_those_told(client, network):
    customer_of(network, email="kim@example.com")
    user = signed_in_member(client, "planner")
    with at(2026, 9, 20, 10):
        plan = planned(user, starts_at=kst(2026, 10, 5, 9), channels=["email"])
        client.post(f"/desk/notices/suspensions/{plan.pk}/publish/")
    customer_of(network, email="late-comer@example.com")  # a customer since: not told

    url = f"/desk/notices/suspensions/{plan.pk}/"
    with at(2026, 9, 21, 10):
        refused = client.post(
            f"{url}reschedule/",
            {"reschedule-starts_at": "2026-10-12T09:00", "reschedule-ends_at": "2026-10-12T08:00"},
        )
        moved = client.post(
            f"{url}reschedule/",
            {
                "reschedule-starts_at": "2026-10-12T09:00",
                "reschedule-ends_at": "2026-10-12T12:00",
                "reschedule-reason": "장비 입고 지연",
            },
        )
    with at(2026, 9, 22, 10):
        cancelled = client.post(f"{url}cancel/", {"cancel-reason": "작업 취소"})

    assert refused.status_code == 400
    assert "reason" in refused.context["reschedule_form"].errors
    assert 'value="2026-10-12T08:00"' in refused.content.decode()
    assert moved.status_code == 302
    assert cancelled.status_code == 302
    assert sent(plan) == [
        ("1", "email", "kim@example.com"),
        ("2", "email", "kim@example.com"),
        ("3", "email", "kim@example.com"),
    ]
    plan.refresh_from_db()
    assert plan.state == SuspensionState.CANCELLED


def test_publishing_a_plan_with_document_or_phone_notices_asks_what_was_done(client, network):
    user = signed_in_member(client, "planner")
    with at(2026, 9, 20, 10):
        plan = planned(user, starts_at=kst(2026, 10, 5, 9), channels=["screen", "phone"])
        refused = client.post(f"/desk/notices/suspensions/{plan.pk}/publish/", {})
        done = client.post(
            f"/desk/notices/suspensions/{plan.pk}/publish/",
            {"publish-manual_note": "주요 고객 5곳에 전화 안내"},
        )

    assert refused.status_code == 400
    assert "manual_note" in refused.context["publish_form"].errors
    assert 'href="#id_publish-manual_note"' in refused.content.decode()
    assert done.status_code == 302
    plan.refresh_from_db()
    assert plan.state == SuspensionState.PUBLISHED
    assert plan.manual_note == "주요 고객 5곳에 전화 안내"


def test_a_cancellation_without_a_reason_is_a_form_error(client, network):
    user = signed_in_member(client, "planner")
    with at(2026, 9, 20, 10):
        plan = planned(user, starts_at=kst(2026, 10, 5, 9))
        response = client.post(f"/desk/notices/suspensions/{plan.pk}/cancel/", {})

    assert response.status_code == 400
    assert "reason" in response.context["cancel_form"].errors
    plan.refresh_from_db()
    assert plan.state == SuspensionState.PLANNED


def test_the_plan_list_shows_the_divisions_plans_in_constant_queries(
    client, network, django_assert_max_num_queries
):
    user = signed_in_member(client, "planner")
    with at(2026, 9, 20, 10):
        for day in range(5, 25):
            planned(user, starts_at=kst(2026, 10, day, 9))
        with django_assert_max_num_queries(12):
            response = client.get("/desk/notices/suspensions/")

    assert response.status_code == 200
    assert response.content.decode().count("data-plan=") == 20


# --- announcements --------------------------------------------------------------------------


def test_information_staff_record_a_spec_and_publish_it_on_the_board(client, charter):
    client.force_login(member_of("info-data", "info.staff"))
    with at(2026, 10, 2, 17, 10):
        response = client.post(
            "/desk/notices/announcements/",
            {
                "title_ko": "체결 정보 명세 변경",
                "body_ko": "필드가 추가됩니다.",
                "title_en": "Trade data spec change",
                "body_en": "",
                "spec_completed_at": "2026-10-02T17:00",
            },
        )
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert announcement.deadline.due_at == kst(2026, 10, 2, 18)
    assert client.get("/en/notices/announcements/").content.decode().count("data-announcement") == 0

    with at(2026, 10, 2, 17, 30):
        published = client.post(f"/desk/notices/announcements/{announcement.pk}/publish/")

    assert published.status_code == 302
    assert Deadline.objects.get(pk=announcement.deadline_id).state == DeadlineState.MET
    board = text(client.get("/en/notices/announcements/"))
    assert "Trade data spec change" in board


def test_announcement_bad_input_is_a_form_error_and_only_information_staff_may_record(
    client, charter
):
    client.force_login(member_of("info-data", "info.staff"))
    with at(2026, 10, 2, 17):
        response = client.post(
            "/desk/notices/announcements/",
            {"title_ko": "", "body_ko": "본문", "spec_completed_at": "2026-10-02T19:00"},
        )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title_ko", "spec_completed_at"}
    assert not Announcement.objects.exists()

    client.force_login(member_of("net-support", "net.staff"))
    assert client.get("/desk/notices/announcements/").status_code == 403
