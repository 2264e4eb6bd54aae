"""Who may see and change what through the API: every denial, per role, is asserted here.

Out-of-scope objects are a 404 (existence is not leaked); acting in a division one cannot see
is a 403; anonymous callers get a 401 with ``WWW-Authenticate: Token``."""

from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.requests_desk.api_support import (
    CALLS,
    CONTACTS,
    DEADLINES,
    REQUESTS,
    client_for,
    create,
    request_payload,
    url,
)
from tests.seoul import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def infra_case(people):
    """A request of the Infrastructure HO, and a call (which opens a second one)."""
    staff = client_for(people["staff"])
    with at(2026, 9, 23, 15, 1):
        case = create(staff, received_at="2026-09-23T15:00:00+09:00")
        call = staff.post(
            CALLS,
            {
                "caller_name": "Caller",
                "organisation": "Example Securities",
                "division": "infrastructure",
                "rings": 1,
                "person_absent": True,
            },
            format="json",
        ).json()
    clock = staff.get(DEADLINES, {"request": case["id"]}).json()["results"][0]
    return {"request": case, "call": call, "clock": clock}


CHILD_POSTS = [
    ("status/", {"status": "in_progress"}),
    ("transfer/", {"to": "net-dev", "handoff_note": "Over to you"}),
    ("communications/", {"purpose": "feasibility", "channel": "phone", "summary": "Told"}),
    ("notes/", {"text": "A note"}),
    (
        "visits/",
        {
            "appointment_agreed": True,
            "visited_at": "2026-09-23T15:30:00+09:00",
            "results_explained_to": "Mr Park",
        },
    ),
    ("under-an-hour/", {}),
]
CHILD_GETS = ["", "communications/", "notes/", "visits/", "activities/", "timeline/"]


def test_anonymous_callers_get_a_401_everywhere(infra_case):
    anonymous = APIClient()
    case = infra_case["request"]
    urls = [
        REQUESTS,
        CALLS,
        DEADLINES,
        CONTACTS,
        *(url(case, tail) for tail in CHILD_GETS),
        f"{DEADLINES}{infra_case['clock']['id']}/explain/",
    ]

    for address in urls:
        response = anonymous.get(address)
        assert response.status_code == 401, address
        assert response["WWW-Authenticate"] == "Token"
    assert anonymous.post(REQUESTS, request_payload(), format="json").status_code == 401
    assert anonymous.post(url(case, "notes/"), {"text": "x"}, format="json").status_code == 401


def test_a_token_from_issue_api_token_authenticates(people, infra_case):
    out = StringIO()
    call_command("issue_api_token", "api.staff", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")

    response = client.get(REQUESTS)

    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_a_wrong_token_is_a_401(infra_case):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get(REQUESTS).status_code == 401


def test_a_session_login_works_and_needs_csrf_for_writes(client, people, infra_case):
    client.force_login(people["staff"])

    assert client.get(REQUESTS).status_code == 200
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.force_login(people["staff"])
    response = csrf_client.post(REQUESTS, request_payload(), format="json")
    assert response.status_code == 403


def test_staff_of_another_division_see_nothing_of_it(people, infra_case):
    market = client_for(people["market"])
    case = infra_case["request"]

    assert market.get(REQUESTS).json()["count"] == 0
    assert market.get(CALLS).json()["count"] == 0
    assert market.get(DEADLINES).json()["count"] == 0
    for tail in CHILD_GETS:
        assert market.get(url(case, tail)).status_code == 404, tail
    assert market.get(f"{CALLS}{infra_case['call']['id']}/").status_code == 404
    assert market.get(f"{DEADLINES}{infra_case['clock']['id']}/").status_code == 404
    assert market.get(f"{DEADLINES}{infra_case['clock']['id']}/explain/").status_code == 404


@pytest.mark.parametrize(("tail", "payload"), CHILD_POSTS)
def test_staff_of_another_division_cannot_act_on_it(people, infra_case, tail, payload):
    market = client_for(people["market"])

    with at(2026, 9, 23, 16, 0):
        response = market.post(url(infra_case["request"], tail), payload, format="json")

    assert response.status_code == 404


def test_staff_of_another_division_cannot_change_it_or_call_back(people, infra_case):
    market = client_for(people["market"])
    case = infra_case["request"]

    with at(2026, 9, 23, 16, 0):
        patch = market.patch(url(case), {"version": 1, "subject": "Mine now"}, format="json")
        callback = market.post(f"{CALLS}{infra_case['call']['id']}/callback/", {}, format="json")

    assert patch.status_code == 404
    assert callback.status_code == 404


def test_staff_cannot_create_in_another_division(people):
    market = client_for(people["market"])

    with at(2026, 9, 23, 16, 0):
        response = market.post(REQUESTS, request_payload(), format="json")

    assert response.status_code == 403
    assert response.json()["detail"]


def test_a_user_without_a_team_sees_nothing_and_creates_nothing(people, infra_case):
    loner = client_for(people["loner"])

    assert loner.get(REQUESTS).json()["count"] == 0
    assert loner.get(url(infra_case["request"])).status_code == 404
    with at(2026, 9, 23, 16, 0):
        assert loner.post(REQUESTS, request_payload(), format="json").status_code == 403


def test_a_manager_sees_and_changes_the_whole_division(people, infra_case):
    manager = client_for(people["manager"])
    case = infra_case["request"]

    assert manager.get(REQUESTS).json()["count"] == 2
    assert manager.get(DEADLINES, {"request": case["id"]}).json()["count"] >= 1
    with at(2026, 9, 23, 16, 0):
        response = manager.patch(url(case), {"version": 1, "priority": "high"}, format="json")
    assert response.status_code == 200, response.content


def test_a_manager_does_not_see_other_divisions(people):
    admin = client_for(people["admin"])
    manager = client_for(people["manager"])
    with at(2026, 9, 23, 16, 0):
        market_case = create(admin, division="market")

    assert manager.get(url(market_case)).status_code == 404
    with at(2026, 9, 23, 16, 0):
        response = manager.post(REQUESTS, request_payload(division="market"), format="json")
    assert response.status_code == 403


def test_a_division_head_sees_the_division_they_head(people):
    from commitments.models import Division

    admin = client_for(people["admin"])
    with at(2026, 9, 23, 16, 0):
        market_case = create(admin, division="market")
        create(admin)
    head = client_for(Division.objects.get(code="market").head)

    body = head.get(REQUESTS).json()
    assert [row["id"] for row in body["results"]] == [market_case["id"]]


def test_an_admin_sees_every_division(people, infra_case):
    admin = client_for(people["admin"])
    with at(2026, 9, 23, 16, 0):
        create(admin, division="market")

    assert admin.get(REQUESTS).json()["count"] == 3
    assert admin.get(url(infra_case["request"])).status_code == 200


def test_any_staff_member_reads_the_contact_directory(people):
    for role in ("staff", "market", "loner", "manager"):
        assert client_for(people[role]).get(CONTACTS).status_code == 200, role
