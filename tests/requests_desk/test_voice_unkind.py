"""Unkind-service reports, manager side: decided once, a coupon on confirmation, the reporter
told in their language, and only managers of the report's division may decide."""

import re
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from notifications.models import Notification
from requests_desk.cases import DeskError
from requests_desk.cases.timeline_words import activity_words
from requests_desk.homepage.services.voice import (
    unkind_report_confirm,
    unkind_report_reject,
)
from requests_desk.models import Activity
from requests_desk.models.voice import GiftCoupon, UnkindServiceReport
from tests.requests_desk.views_support import text
from tests.requests_desk.voice_factories import (
    ComplaintFactory,
    SubmissionFactory,
    UnkindReportFactory,
    voice_people,
)

pytestmark = pytest.mark.usefixtures("korean")

COUPON = re.compile(r"^GC-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


@pytest.fixture
def people(charter):
    return voice_people()


@pytest.fixture
def report(people):
    return UnkindReportFactory()


def decision_message(report) -> Notification:
    return Notification.objects.get(idempotency_key=f"unkind-report:{report.pk}:decision")


# --- the service ----------------------------------------------------------------------------


def test_confirming_issues_one_readable_coupon_and_tells_the_reporter_in_korean(people, report):
    unkind_report_confirm(report, actor=people["manager"], note="녹취 확인 완료")

    report.refresh_from_db()
    assert report.state == "confirmed"
    assert report.decided_by == people["manager"]
    assert report.decided_at is not None
    assert report.decision_note == "녹취 확인 완료"
    coupon = GiftCoupon.objects.get(report=report)
    assert COUPON.match(coupon.code), coupon.code
    assert coupon.recipient_name == "김민지"
    assert coupon.recipient_email == "minji@example.com"
    assert coupon.issued_by == people["manager"]
    message = decision_message(report)
    assert message.recipient == "minji@example.com"
    assert message.channel == "email"
    assert message.language == "ko"
    assert coupon.code in message.body
    assert "상품권" in message.body
    note = Activity.objects.get(request=report.request, data__unkind_report=report.pk)
    assert (note.event, note.text, note.data["coupon"]) == (
        "unkind_confirmed",
        "녹취 확인 완료",
        coupon.code,
    )
    assert coupon.code in activity_words(note).lines[0]
    assert note.actor == people["manager"]
    assert note.public is False


def test_coupon_codes_differ_between_reports(people):
    codes = set()
    for _ in range(5):
        report = UnkindReportFactory()
        unkind_report_confirm(report, actor=people["manager"])
        codes.add(report.coupon.code)
    assert len(codes) == 5


def test_the_reporter_who_wrote_in_english_is_told_in_english(people):
    submission = SubmissionFactory(language="en")
    report = UnkindReportFactory(request=submission.request)

    unkind_report_reject(report, actor=people["manager"], note="The recording shows no rudeness.")

    message = decision_message(report)
    assert message.language == "en"
    assert message.subject.startswith("[Your unkind-service report]")
    assert "thank you" in message.body.lower()
    assert "The recording shows no rudeness." not in message.body  # the note stays internal
    assert not GiftCoupon.objects.exists()


def test_rejecting_tells_the_reporter_politely_and_issues_no_coupon(people, report):
    unkind_report_reject(report, actor=people["manager"], note="녹취 확인 결과 해당 없음")

    report.refresh_from_db()
    assert report.state == "rejected"
    assert not GiftCoupon.objects.exists()
    message = decision_message(report)
    assert message.language == "ko"
    assert "양해" in message.body


def test_rejecting_needs_a_note(people, report):
    with pytest.raises(DeskError) as refused:
        unkind_report_reject(report, actor=people["manager"], note="  ")

    assert "note" in refused.value.message_dict
    report.refresh_from_db()
    assert report.state == "pending"


def test_a_second_decision_is_refused_and_issues_no_second_coupon(people, report):
    unkind_report_confirm(report, actor=people["manager"])

    with pytest.raises(DeskError) as again:
        unkind_report_confirm(report, actor=people["admin"])
    with pytest.raises(DeskError):
        unkind_report_reject(report, actor=people["admin"], note="No.")

    assert "두 번 결정할 수 없습니다" in " ".join(again.value.messages)
    assert GiftCoupon.objects.count() == 1
    assert Notification.objects.filter(idempotency_key__startswith="unkind-report:").count() == 1
    report.refresh_from_db()
    assert report.decided_by == people["manager"]


def test_a_reporter_without_e_mail_gets_the_coupon_and_the_timeline_says_they_were_not_told(
    people,
):
    report = UnkindReportFactory(request=ComplaintFactory(customer__email=""))

    unkind_report_confirm(report, actor=people["manager"])

    assert GiftCoupon.objects.filter(report=report, recipient_email="").exists()
    assert not Notification.objects.filter(idempotency_key__startswith="unkind-report:").exists()
    note = Activity.objects.get(request=report.request, data__unkind_report=report.pk)
    assert note.data["reporter_told"] is False
    assert "알리지 못했습니다" in activity_words(note).lines[-1]


@pytest.mark.parametrize("who", ["staff", "market_manager"])
def test_staff_and_managers_of_other_divisions_may_not_decide(people, report, who):
    with pytest.raises(DeskError):
        unkind_report_confirm(report, actor=people[who])

    report.refresh_from_db()
    assert report.state == "pending"
    assert not GiftCoupon.objects.exists()


def test_two_managers_confirming_at_once_issue_one_coupon(transactional_db):
    """Committed rows, so each thread's own connection sees them (the charter is seeded
    again after the flush that ends a transactional test)."""
    call_command("seed_charter", verbosity=0)
    people = voice_people()
    report = UnkindReportFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor):
        try:
            barrier.wait(timeout=10)
            unkind_report_confirm(UnkindServiceReport(pk=report.pk), actor=actor)
            outcomes.append("confirmed")
        except DeskError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(people[who],)) for who in ("manager", "admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["confirmed", "refused"]
    assert GiftCoupon.objects.filter(report_id=report.pk).count() == 1
    assert Notification.objects.filter(idempotency_key__startswith="unkind-report:").count() == 1
    assert Activity.objects.filter(data__unkind_report=report.pk).count() == 1


# --- the pages ------------------------------------------------------------------------------


def test_the_manager_lists_pending_reports_with_the_complaint(client, people, report):
    decided = UnkindReportFactory(request=ComplaintFactory(subject="이미 처리된 신고"))
    unkind_report_confirm(decided, actor=people["manager"])
    client.force_login(people["manager"])

    page = text(client.get("/desk/voice/unkind-reports/"))

    assert f'data-report="{report.pk}" data-state="pending"' in page
    assert report.request.tracking_code in page
    assert "김민지" in page
    assert "상담원이 말을 끊었습니다" in page
    assert "이미 처리된 신고" not in page
    assert "이미 처리된 신고" in text(client.get("/desk/voice/unkind-reports/?state=confirmed"))


def test_the_list_runs_the_same_queries_for_two_reports_as_for_twelve(
    client, people, django_assert_max_num_queries
):
    client.force_login(people["manager"])
    UnkindReportFactory.create_batch(2)
    # 13: the page's twelve and the menu's check for admin rights.
    with django_assert_max_num_queries(13) as few:
        assert client.get("/desk/voice/unkind-reports/").status_code == 200
    UnkindReportFactory.create_batch(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/desk/voice/unkind-reports/").status_code == 200


def test_confirming_on_the_page_shows_the_coupon(client, people, report):
    client.force_login(people["manager"])
    url = f"/desk/voice/unkind-reports/{report.pk}/"

    response = client.post(url, {"decision": "confirm", "note": "확인함"})

    assert response.status_code == 302
    page = text(client.get(url))
    code = GiftCoupon.objects.get(report=report).code
    assert f'id="coupon-code">{code}<' in page
    assert 'data-state="confirmed"' in page


def test_a_second_decision_on_the_page_is_a_clear_error_not_a_second_coupon(client, people, report):
    unkind_report_confirm(report, actor=people["admin"])
    client.force_login(people["manager"])

    response = client.post(
        f"/en/desk/voice/unkind-reports/{report.pk}/", {"decision": "confirm", "note": "again"}
    )

    assert response.status_code == 400
    assert "cannot be decided twice" in text(response)
    assert GiftCoupon.objects.count() == 1


def test_a_rejection_without_a_note_keeps_the_form_with_its_error(client, people, report):
    client.force_login(people["manager"])

    response = client.post(f"/en/desk/voice/unkind-reports/{report.pk}/", {"decision": "reject"})

    assert response.status_code == 400
    page = text(response)
    assert 'class="alert alert-danger error-summary"' in page
    assert 'href="#id_note"' in page
    report.refresh_from_db()
    assert report.state == "pending"


def test_a_missing_or_unknown_decision_is_a_form_error(client, people, report):
    client.force_login(people["manager"])
    for data in ({"note": "x"}, {"decision": "<script>", "note": "x"}):
        response = client.post(f"/desk/voice/unkind-reports/{report.pk}/", data)
        assert response.status_code == 400
    report.refresh_from_db()
    assert report.state == "pending"


def test_staff_who_are_not_managers_get_403(client, people, report):
    client.force_login(people["staff"])

    assert client.get("/desk/voice/unkind-reports/").status_code == 403
    assert client.get(f"/desk/voice/unkind-reports/{report.pk}/").status_code == 403
    response = client.post(f"/desk/voice/unkind-reports/{report.pk}/", {"decision": "confirm"})
    assert response.status_code == 403
    assert not GiftCoupon.objects.exists()


def test_a_manager_of_another_division_neither_sees_nor_decides_it(client, people, report):
    client.force_login(people["market_manager"])

    assert report.request.tracking_code not in text(client.get("/desk/voice/unkind-reports/"))
    assert client.get(f"/desk/voice/unkind-reports/{report.pk}/").status_code == 404
    response = client.post(f"/desk/voice/unkind-reports/{report.pk}/", {"decision": "confirm"})
    assert response.status_code == 404
    assert not GiftCoupon.objects.exists()


def test_the_admin_sees_and_decides_every_division(client, people, report):
    client.force_login(people["admin"])

    assert report.request.tracking_code in text(client.get("/desk/voice/unkind-reports/"))
    client.post(f"/desk/voice/unkind-reports/{report.pk}/", {"decision": "confirm"})
    assert GiftCoupon.objects.filter(report=report).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, report):
    response = client.get("/desk/voice/unkind-reports/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_markup_in_a_report_is_shown_escaped(client, people):
    report = UnkindReportFactory(occasion="<script>alert(1)</script> DROP TABLE users;")
    client.force_login(people["manager"])

    page = client.get(f"/desk/voice/unkind-reports/{report.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; DROP TABLE users;" in page


def test_the_admin_lists_coupons_read_only(client, people, report):
    unkind_report_confirm(report, actor=people["manager"])
    client.force_login(people["admin"])

    page = text(client.get("/admin/requests_desk/giftcoupon/"))
    assert report.coupon.code in page
    assert client.get("/admin/requests_desk/giftcoupon/add/").status_code == 403
    assert client.get("/admin/requests_desk/unkindservicereport/").status_code == 200


# --- the API --------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_api_lists_reports_for_managers_and_decides_them(people, report):
    api = api_for(people["manager"])

    listed = api.get("/api/v1/unkind-reports/?state=pending").json()
    assert [row["id"] for row in listed["results"]] == [report.pk]
    assert listed["results"][0]["occasion"] == report.occasion
    assert listed["results"][0]["reporter_email"] == "minji@example.com"

    decided = api.post(
        f"/api/v1/unkind-reports/{report.pk}/decision/", {"decision": "confirm"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    assert COUPON.match(decided.json()["coupon_code"])

    again = api.post(
        f"/api/v1/unkind-reports/{report.pk}/decision/", {"decision": "confirm"}, format="json"
    )
    assert again.status_code == 400
    assert "non_field_errors" in again.json()
    assert GiftCoupon.objects.count() == 1


def test_the_api_refuses_staff_hides_other_divisions_and_checks_the_body(people, report):
    assert api_for(people["staff"]).get("/api/v1/unkind-reports/").status_code == 403
    market = api_for(people["market_manager"])
    assert market.get("/api/v1/unkind-reports/").json()["results"] == []
    assert market.get(f"/api/v1/unkind-reports/{report.pk}/").status_code == 404
    decision = f"/api/v1/unkind-reports/{report.pk}/decision/"
    assert market.post(decision, {"decision": "confirm"}, format="json").status_code == 404
    manager = api_for(people["manager"])
    bad = manager.post(decision, {"decision": "maybe"}, format="json")
    assert bad.status_code == 400
    assert "decision" in bad.json()
    no_note = manager.post(decision, {"decision": "reject"}, format="json")
    assert no_note.status_code == 400
    assert "note" in no_note.json()
    assert APIClient().get("/api/v1/unkind-reports/").status_code == 401


def test_the_admin_action_confirms_through_the_same_service(client, people, report):
    decided = UnkindReportFactory()
    unkind_report_confirm(decided, actor=people["manager"])
    client.force_login(people["admin"])

    response = client.post(
        "/admin/requests_desk/unkindservicereport/",
        {"action": "confirm", "_selected_action": [report.pk, decided.pk]},
    )

    assert response.status_code == 302
    assert GiftCoupon.objects.count() == 2  # one new, none again for the decided one
    report.refresh_from_db()
    assert report.decided_by == people["admin"]


def test_the_api_list_runs_the_same_queries_for_two_reports_as_for_twelve(
    people, django_assert_max_num_queries
):
    api = api_for(people["manager"])
    UnkindReportFactory.create_batch(2)
    with django_assert_max_num_queries(12) as few:
        assert api.get("/api/v1/unkind-reports/").status_code == 200
    UnkindReportFactory.create_batch(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/unkind-reports/").json()["results"]) == 12
