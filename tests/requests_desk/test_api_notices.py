"""``/api/v1/suspensions/`` and ``/api/v1/announcements/``: the same services as the desk's
pages, with 400s for bad input, 404 outside the caller's divisions, 401 for anonymous calls."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from commitments.models import Service
from notifications.models import Notification
from tests.factories import CustomerContactFactory, RequestFactory
from tests.requests_desk.api_support import client_for, member_of
from tests.seoul import at, kst

pytestmark = pytest.mark.django_db

SUSPENSIONS = "/api/v1/suspensions/"
ANNOUNCEMENTS = "/api/v1/announcements/"


def payload(**changes) -> dict:
    return {
        "services": ["network"],
        "starts_at": "2026-10-05T09:00:00+09:00",
        "ends_at": "2026-10-05T13:00:00+09:00",
        "cause": "market_system",
        "channels": ["screen", "email"],
        "title_ko": "시장 시스템 변경에 따른 중단",
        "body_ko": "시장 시스템 변경으로 중단됩니다.",
        **changes,
    }


def test_anonymous_calls_answer_401(charter):
    assert APIClient().get(SUSPENSIONS).status_code == 401
    assert APIClient().post(SUSPENSIONS, payload(), format="json").status_code == 401


def test_staff_plan_publish_and_cancel_through_the_api(api):
    network = Service.objects.get(code="network")
    RequestFactory(
        customer=CustomerContactFactory(email="kim@example.com"),
        division=network.division,
        service=network,
        received_at=kst(2026, 9, 1, 10),
    )
    with at(2026, 9, 20, 10):
        created = api.post(SUSPENSIONS, payload(), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["deadline"]["commitment"] == "common.suspension-notice"
    assert body["deadline"]["due_at"] == "2026-09-28T09:00:00+09:00"
    assert body["state"] == "planned"

    with at(2026, 9, 27, 9):
        published = api.post(f"{SUSPENSIONS}{body['id']}/publish/")
    assert published.status_code == 200, published.content
    assert published.json()["deadline"]["state"] == "met"
    assert published.json()["lead_days"] == 8
    assert published.json()["recipients"] == 1

    with at(2026, 9, 28, 9):
        assert api.post(f"{SUSPENSIONS}{body['id']}/publish/").status_code == 400
        cancelled = api.post(
            f"{SUSPENSIONS}{body['id']}/cancel/", {"reason": "일정 취소"}, format="json"
        )
    assert cancelled.json()["state"] == "cancelled"
    assert Notification.objects.filter(step="notice", recipient="kim@example.com").count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2026-10-05T08:00:00+09:00"}, "ends_at"),
        ({"services": []}, "services"),
        ({"services": ["atlantis"]}, "services"),
        ({"services": ["powerbase"]}, "services"),  # another division's service
        ({"cause": "weather"}, "cause"),
        ({"starts_at": "2026-09-01T09:00:00+09:00"}, "starts_at"),
        ({"starts_at": "2026-10-05T09:00:00"}, "starts_at"),  # naive
        ({"channels": ["fax"]}, "channels"),
        ({"title_ko": ""}, "title_ko"),
    ],
)
def test_bad_input_is_a_400_on_its_field(api, changes, field):
    with at(2026, 9, 20, 10):
        response = api.post(SUSPENSIONS, payload(**changes), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("code", ["atlantis", "powerbase"])
def test_a_service_the_planner_cannot_name_is_named_in_the_refusal(api, code):
    with at(2026, 9, 20, 10):
        response = api.post(SUSPENSIONS, payload(services=[code]), format="json")

    assert response.status_code == 400, response.content
    with translation.override("ko"):  # the API answers in the portal's default language
        expected = gettext("Unknown service, or not one of your divisions: %(value)s")
    assert response.json()["services"] == [expected % {"value": code}]


def test_short_notice_is_refused_until_accepted(api):
    with at(2026, 10, 2, 9):
        refused = api.post(SUSPENSIONS, payload(), format="json")
        accepted = api.post(SUSPENSIONS, payload(accept_short_notice=True), format="json")

    assert refused.status_code == 400
    assert "accept_short_notice" in refused.json()
    assert accepted.status_code == 201
    assert accepted.json()["deadline"]["due_at"] == "2026-09-28T09:00:00+09:00"


def test_reschedule_recomputes_a_planned_notice_and_another_division_sees_nothing(api, people):
    with at(2026, 9, 20, 10):
        plan = api.post(SUSPENSIONS, payload(), format="json").json()
        moved = api.post(
            f"{SUSPENSIONS}{plan['id']}/reschedule/",
            {
                "starts_at": "2026-10-20T22:00:00+09:00",
                "ends_at": "2026-10-21T02:00:00+09:00",
                "reason": "고객 요청",
            },
            format="json",
        )
    assert moved.status_code == 200, moved.content
    assert moved.json()["deadline"]["due_at"] == "2026-10-13T22:00:00+09:00"

    market = client_for(people["market"])
    assert market.get(f"{SUSPENSIONS}{plan['id']}/").status_code == 404
    assert market.get(SUSPENSIONS).json()["results"] == []


def test_the_list_runs_constant_queries(api, django_assert_max_num_queries):
    with at(2026, 9, 20, 10):
        for day in range(5, 20):
            api.post(
                SUSPENSIONS,
                payload(
                    starts_at=f"2026-10-{day:02d}T09:00:00+09:00",
                    ends_at=f"2026-10-{day:02d}T10:00:00+09:00",
                ),
                format="json",
            )
        with django_assert_max_num_queries(10):
            response = api.get(SUSPENSIONS)
    assert len(response.json()["results"]) == 15


def test_information_staff_record_and_publish_announcements(charter):
    info = client_for(member_of("info-data", "api.info"))
    with at(2026, 10, 2, 18, 40):
        created = info.post(
            ANNOUNCEMENTS,
            {
                "title_ko": "명세 변경",
                "body_ko": "본문",
                "spec_completed_at": "2026-10-02T18:30:00+09:00",
            },
            format="json",
        )
    assert created.status_code == 201, created.content
    assert created.json()["deadline"]["due_at"] == "2026-10-06T18:00:00+09:00"
    with at(2026, 10, 6, 10):
        published = info.post(f"{ANNOUNCEMENTS}{created.json()['id']}/publish/")
    assert published.json()["deadline"]["state"] == "met"

    bad = info.post(ANNOUNCEMENTS, {"title_ko": "", "body_ko": "x"}, format="json")
    assert bad.status_code == 400
    assert {"title_ko", "spec_completed_at"} <= set(bad.json())


def test_other_staff_may_not_keep_the_board(api):
    assert api.get(ANNOUNCEMENTS).status_code == 403
