"""The desk's pages open for staff in Korean and English, and for nobody else."""

import pytest
from django.urls import reverse
from django.utils import translation

from commitments.models import Division
from tests.factories import UserFactory
from tests.requests_desk.desk_support import clock, member_of, new_request
from tests.requests_desk.views_support import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]


@pytest.fixture
def staff(demo_users):
    return demo_users["staff"]


@pytest.fixture
def case(staff):
    return new_request(staff, subject="Add the ISIN column")


def desk_urls(case) -> list[str]:
    """The pages' Korean (unprefixed) paths, whatever language an earlier test left active."""
    feasibility = clock(case, "common.feasibility")
    with translation.override("ko"):
        return [
            reverse("desk:queue"),
            reverse("desk:request-list"),
            reverse("desk:new"),
            reverse("desk:request-detail", args=[case.pk]),
            reverse("desk:clock-explain", args=[case.pk, feasibility.pk]),
        ]


def test_every_desk_page_answers_staff_in_korean(client, staff, case):
    client.force_login(staff)
    for url in desk_urls(case):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="ko">' in text(response), url


def test_every_desk_page_answers_staff_in_english_under_en(client, staff, case):
    client.force_login(staff)
    for url in desk_urls(case):
        response = client.get(f"/en{url}")
        assert response.status_code == 200, url
        page = text(response)
        assert '<html lang="en">' in page, url
        assert "My queue" in page, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, case):
    for url in desk_urls(case):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=/desk/"), url


def test_anonymous_posts_are_sent_to_the_login_page_and_change_nothing(client, case):
    response = client.post(reverse("desk:note", args=[case.pk]), {"note-text": "Sneaky note"})

    assert response.status_code == 302
    assert not case.activities.filter(text="Sneaky note").exists()


def test_a_logged_in_person_outside_the_desk_is_refused(client, case):
    outsider = UserFactory(is_staff=False)
    client.force_login(outsider)

    assert client.get(reverse("desk:queue")).status_code == 403
    assert client.get(reverse("desk:request-detail", args=[case.pk])).status_code == 403


def test_a_team_member_without_the_staff_flag_may_use_the_desk(client, case):
    member = member_of("net-support")
    member.is_staff = False
    member.save()
    client.force_login(member)

    assert client.get(reverse("desk:request-detail", args=[case.pk])).status_code == 200


def test_a_request_of_another_division_is_not_found(client, staff):
    market_staff = member_of("market-it-infra")
    other = new_request(market_staff, division=Division.objects.get(code="market"))
    client.force_login(staff)

    assert client.get(reverse("desk:request-detail", args=[other.pk])).status_code == 404
    feasibility = clock(other, "common.feasibility")
    explain = reverse("desk:clock-explain", args=[other.pk, feasibility.pk])
    assert client.get(explain).status_code == 404
    note = client.post(reverse("desk:note", args=[other.pk]), {"note-text": "Not mine"})
    assert note.status_code == 404
    assert not other.activities.filter(text="Not mine").exists()


def test_a_clock_of_another_request_is_not_explained_under_this_one(client, staff, case):
    second = new_request(staff)
    client.force_login(staff)
    foreign = clock(second, "common.feasibility")

    url = reverse("desk:clock-explain", args=[case.pk, foreign.pk])
    assert client.get(url).status_code == 404


def test_the_navigation_shows_the_desk_to_staff_only(client, staff):
    assert 'href="/desk/"' not in text(client.get("/"))
    client.force_login(staff)

    page = text(client.get("/"))
    assert 'href="/desk/"' in page
    assert 'href="/desk/new/"' in page
    assert 'href="/desk/requests/"' in page
