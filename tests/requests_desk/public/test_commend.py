"""Commending an employee from the homepage: routed to their manager, who is told."""

import pytest

from commitments.models import Team
from notifications.models import Notification
from requests_desk.models import Commendation
from tests.factories import UserFactory
from tests.requests_desk.public.support import COMMEND, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


def commend_data(**changes) -> dict:
    return {
        "employee_name": "김친절",
        "team": "net-support",
        "nominator_name": "홍길동",
        "nominator_organisation": "Example Securities",
        "nominator_email": "hong@example.com",
        "reason": "장애 때 밤늦게까지 <친절히> 도와주셨습니다 🙏",
        "consent": "on",
        **changes,
    }


@pytest.fixture
def team():
    return Team.objects.select_related("manager").get(code="net-support")


def test_the_form_lists_teams_by_division_and_states_the_consent_terms(client):
    page = text(client.get("/en" + COMMEND))

    assert '<optgroup label="Infrastructure Head Office">' in page
    assert '<option value="net-support">' in page
    assert "Retention period" in page
    assert 'for="id_consent"' in page


def test_a_commendation_goes_to_the_team_manager_with_the_employee_linked(client, team):
    employee = UserFactory(username="kind.kim", first_name="친절", last_name="김")
    team.members.add(employee)

    response = client.post(COMMEND, commend_data())

    assert response.status_code == 302
    assert response["Location"] == "/commend/done/"
    commendation = Commendation.objects.get()
    assert commendation.routed_to == team.manager
    assert commendation.employee == employee
    assert commendation.division.code == "infrastructure"
    assert commendation.team == team
    assert commendation.reason == "장애 때 밤늦게까지 <친절히> 도와주셨습니다 🙏"
    assert commendation.state == "new"
    assert commendation.consent_version == "2026-11"
    assert commendation.consent_at is not None
    told = Notification.objects.get(subject_type="commendation")
    assert told.recipient == team.manager.email
    assert told.recipient_user == team.manager
    assert "김친절" in told.body
    assert client.get("/commend/done/").status_code == 200


def test_a_name_two_members_share_links_nobody(client, team):
    for username in ("kim.a", "kim.b"):
        team.members.add(UserFactory(username=username, first_name="친절", last_name="김"))

    client.post(COMMEND, commend_data())

    assert Commendation.objects.get().employee is None


def test_a_team_without_a_manager_routes_to_the_division_head(client, team):
    Team.objects.filter(pk=team.pk).update(manager=None)

    client.post(COMMEND, commend_data())

    assert Commendation.objects.get().routed_to == team.division.head


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": ""}, "consent"),
        ({"team": ""}, "team"),
        ({"team": "no-such-team"}, "team"),
        ({"employee_name": ""}, "employee_name"),
        ({"nominator_email": "not-an-email"}, "nominator_email"),
        ({"reason": "x" * 10_001}, "reason"),
        ({"reason": "null\x00byte"}, "reason"),
    ],
)
def test_bad_input_is_refused_with_what_was_typed_kept(client, changes, field):
    response = client.post(COMMEND, commend_data(**changes))

    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.content.decode()
    assert 'value="홍길동"' in text(response)
    assert not Commendation.objects.exists()


def test_a_honeypot_hit_is_thanked_and_creates_nothing(client):
    response = client.post(COMMEND, commend_data(website="http://spam.example"))

    assert response.status_code == 302
    assert response["Location"] == "/commend/done/"
    assert not Commendation.objects.exists()
    assert not Notification.objects.exists()


def test_the_done_page_without_a_commendation_goes_back_to_the_form(client):
    response = client.get("/commend/done/")

    assert response.status_code == 302
    assert response["Location"] == COMMEND
