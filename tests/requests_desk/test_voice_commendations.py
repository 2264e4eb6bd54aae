"""Commendations, manager side: listed for the manager they were routed to (and the managers of
their division), acknowledged once, linked to the employee, and shown on the profile."""

import pytest

from requests_desk.cases import DeskError
from requests_desk.homepage.services.voice import commendation_acknowledge
from tests.factories import UserFactory
from tests.requests_desk.views_support import text
from tests.requests_desk.voice_factories import CommendationFactory, voice_people

pytestmark = pytest.mark.usefixtures("korean")


@pytest.fixture
def people(charter):
    return voice_people()


def test_the_manager_sees_commendations_routed_to_them_and_of_their_division(client, people):
    routed = CommendationFactory(routed_to=people["manager"], employee_name="한지우")
    market = CommendationFactory(
        division=people["market_manager"].managed_teams.get().division,
        team=None,
        employee_name="시장팀 직원",
    )
    client.force_login(people["manager"])

    page = text(client.get("/desk/voice/commendations/"))

    assert f'data-commendation="{routed.pk}" data-state="new"' in page
    assert "장애 대응 중 끝까지 친절하게" in page
    assert "시장팀 직원" not in page
    client.force_login(people["market_manager"])
    assert f'data-commendation="{market.pk}"' in text(client.get("/desk/voice/commendations/"))


def test_acknowledging_links_the_employee_and_lists_it_on_their_profile(client, people):
    commendation = CommendationFactory(routed_to=people["manager"])
    client.force_login(people["manager"])

    response = client.post(
        f"/desk/voice/commendations/{commendation.pk}/acknowledge/",
        {f"c{commendation.pk}-employee": people["staff"].pk},
    )

    assert response.status_code == 302
    commendation.refresh_from_db()
    assert commendation.state == "acknowledged"
    assert commendation.employee == people["staff"]
    assert commendation.acknowledged_at is not None
    client.force_login(people["staff"])  # any desk user reads a colleague's profile
    profile = text(client.get("/desk/people/v.staff/"))
    assert "Jiwoo Han" in profile or "Han Jiwoo" in profile
    assert "장애 대응 중 끝까지 친절하게" in profile
    assert "이서연" not in profile  # the nominator's name stays with the manager


def test_an_unacknowledged_commendation_is_not_on_the_profile(client, people):
    CommendationFactory(employee=people["staff"], reason="아직 확인 전입니다")
    client.force_login(people["staff"])

    assert "아직 확인 전입니다" not in text(client.get("/desk/people/v.staff/"))


def test_acknowledging_keeps_the_matched_employee_when_none_is_chosen(people):
    commendation = CommendationFactory(employee=people["staff"])

    commendation_acknowledge(commendation, actor=people["manager"])

    commendation.refresh_from_db()
    assert commendation.employee == people["staff"]


def test_a_second_acknowledgement_is_refused(people):
    commendation = CommendationFactory()
    commendation_acknowledge(commendation, actor=people["manager"])

    with pytest.raises(DeskError):
        commendation_acknowledge(commendation, actor=people["admin"])


def test_an_employee_of_another_division_cannot_be_linked(client, people):
    commendation = CommendationFactory()
    stranger = UserFactory(username="v.stranger")
    people["market_manager"].managed_teams.get().members.add(stranger)
    client.force_login(people["admin"])

    response = client.post(
        f"/en/desk/voice/commendations/{commendation.pk}/acknowledge/",
        {f"c{commendation.pk}-employee": stranger.pk},
    )

    assert response.status_code == 400
    assert "does not work in the commendation's division" in text(response)
    commendation.refresh_from_db()
    assert commendation.state == "new"


def test_a_bogus_employee_is_a_form_error(client, people):
    commendation = CommendationFactory()
    client.force_login(people["manager"])

    response = client.post(
        f"/desk/voice/commendations/{commendation.pk}/acknowledge/",
        {f"c{commendation.pk}-employee": "nobody\x00"},
    )

    assert response.status_code == 400
    commendation.refresh_from_db()
    assert commendation.state == "new"


def test_staff_get_403_and_other_divisions_404(client, people):
    commendation = CommendationFactory()
    client.force_login(people["staff"])
    assert client.get("/desk/voice/commendations/").status_code == 403
    url = f"/desk/voice/commendations/{commendation.pk}/acknowledge/"
    assert client.post(url, {}).status_code == 403
    client.force_login(people["market_manager"])
    assert client.post(url, {}).status_code == 404
    commendation.refresh_from_db()
    assert commendation.state == "new"


def test_an_unknown_profile_is_404_and_profiles_are_for_desk_users(client, people):
    client.force_login(people["staff"])
    assert client.get("/desk/people/nobody-here/").status_code == 404
    client.force_login(UserFactory(username="v.outsider", is_staff=False))
    assert client.get("/desk/people/v.staff/").status_code == 403


def test_the_list_runs_the_same_queries_for_two_commendations_as_for_twelve(
    client, people, django_assert_max_num_queries
):
    client.force_login(people["manager"])
    CommendationFactory.create_batch(2)
    with django_assert_max_num_queries(15) as few:
        assert client.get("/desk/voice/commendations/").status_code == 200
    CommendationFactory.create_batch(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/desk/voice/commendations/").status_code == 200
