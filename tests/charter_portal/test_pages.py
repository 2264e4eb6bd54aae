"""The pages people open: the public charter, the deadline simulator and the language switch."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Division, Service
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

FEASIBILITY_KO = "수정·개발 요청 수용 여부 통보"
FEASIBILITY_EN = "Feasibility of a modification request"


def text(response) -> str:
    return unescape(response.content.decode())


def test_the_charter_page_answers_in_korean_at_the_root_and_lists_every_commitment(client, charter):
    response = client.get("/")

    assert response.status_code == 200
    page = text(response)
    assert '<html lang="ko">' in page
    assert FEASIBILITY_KO in page
    assert FEASIBILITY_EN not in page
    assert len(re.findall(r"<tr data-code=", page)) == 38
    assert 'data-code="common.feasibility"' in page
    # The page's own words are Korean too, not only the catalogue's titles.
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert re.search(r"[가-힣]", title), title
    assert "Our customer service charter" not in page
    assert 'data-code="voice.survey-publish"' in page


def test_the_charter_page_answers_in_english_under_en(client, charter):
    response = client.get("/en/")

    assert response.status_code == 200
    page = text(response)
    assert '<html lang="en">' in page
    assert FEASIBILITY_EN in page
    assert FEASIBILITY_KO not in page
    assert "Our customer service charter" in page
    assert len(re.findall(r"<tr data-code=", page)) == 38


def test_the_charter_page_queries_do_not_grow_with_the_commitments(client, charter):
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    market = Division.objects.get(code="market")
    for _ in range(5):
        CommitmentFactory(division=market, service=Service.objects.filter(division=market)[0])

    with CaptureQueriesContext(connection) as after:
        response = client.get("/")

    assert len(re.findall(r"<tr data-code=", text(response))) == 43
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_charter_page_says_so_when_the_charter_is_not_loaded(client, unseeded):
    response = client.get("/en/")

    assert response.status_code == 200
    assert "data-code=" not in text(response)


def test_the_simulator_sends_anonymous_visitors_to_the_login_page(client, charter):
    response = client.get("/simulator/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/simulator/"
    assert client.get(response["Location"]).status_code == 200


def test_staff_log_in_with_the_demo_password_and_reach_the_simulator(client, demo_users):
    response = client.post(
        "/accounts/login/",
        {"username": "staff", "password": settings.DEMO_PASSWORD, "next": "/simulator/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/simulator/"

    response = client.get("/simulator/")
    assert response.status_code == 200
    assert 'name="commitment"' in text(response)
    assert 'id="due-at"' not in text(response)


def test_the_simulator_shows_the_spec_example_due_monday_after_chuseok(client, demo_users):
    client.force_login(demo_users["staff"])

    response = client.get(
        "/simulator/", {"commitment": "common.feasibility", "start": "2026-09-23T15:00"}
    )

    assert response.status_code == 200
    page = text(response)
    due = re.search(r'<strong id="due-at">([^<]*)</strong>', page)
    assert due is not None, page
    assert due.group(1).startswith("2026-09-28")
    assert due.group(1).endswith("15:00")
    skipped = re.search(r'<ul class="skip-list" id="skipped">(.*?)</ul>', page, re.S)
    assert skipped is not None
    assert "추석" in skipped.group(1)
    assert "kr-public" in page


def test_a_user_who_is_not_staff_may_not_use_the_simulator(client, charter):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=False))

    response = client.get("/simulator/")

    assert response.status_code == 403


def test_the_simulator_shows_a_missing_target_as_a_form_error(client, demo_users):
    client.force_login(demo_users["staff"])

    response = client.get(
        "/simulator/", {"commitment": "common.suspension-notice", "start": "2026-09-23T15:00"}
    )

    assert response.status_code == 200
    assert "target" in response.context["form"].errors
    page = text(response)
    assert 'id="id_target_error"' in page
    assert 'id="due-at"' not in page
    # What the user typed is kept.
    assert 'value="2026-09-23T15:00"' in page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"commitment": "common.feasibility", "start": "not a date"}, "start"),
        ({"commitment": "no.such-commitment", "start": "2026-09-23T15:00"}, "commitment"),
        ({"commitment": "visit.appointment", "start": "2026-09-23T15:00"}, "commitment"),
        ({"commitment": "common.feasibility", "start": ""}, "start"),
        (
            {"commitment": "common.feasibility", "start": "2026-09-23T15:00", "division": "mars"},
            "division",
        ),
        ({"commitment": "common.feasibility", "start": "0001-01-01T00:00"}, "start"),
        ({"commitment": "market.business-review", "start": "9999-12-28T10:00"}, "start"),
        (
            {
                "commitment": "common.suspension-notice",
                "start": "2026-09-23T15:00",
                "target": "0001-01-03T00:00",
            },
            "target",
        ),
    ],
)
def test_the_simulator_refuses_bad_input_with_a_form_error_not_a_500(
    client, demo_users, query, field
):
    client.force_login(demo_users["staff"])

    response = client.get("/simulator/", query)

    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_the_simulator_speaks_english_under_en(client, demo_users):
    client.force_login(demo_users["staff"])

    response = client.get(
        "/en/simulator/", {"commitment": "common.feasibility", "start": "2026-09-23T15:00"}
    )

    assert response.status_code == 200
    page = text(response)
    assert '<html lang="en">' in page
    assert FEASIBILITY_EN in page


def test_the_language_switch_moves_to_english_and_back(client, charter):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in text(client.get(response["Location"]))

    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/en/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert '<html lang="ko">' in text(client.get("/"))


def test_the_language_switch_keeps_the_page_the_user_was_on(client, demo_users):
    client.force_login(demo_users["staff"])

    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/en/simulator/"})
    assert response["Location"] == "/simulator/"

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/simulator/"})
    assert response["Location"] == "/en/simulator/"


def test_the_language_switch_falls_back_to_the_referring_page(client, charter):
    response = client.post(
        "/i18n/setlang/", {"language": "ko"}, headers={"referer": "http://testserver/en/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "http://testserver/"


def test_the_language_switch_never_redirects_to_another_site(client, charter):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "https://evil.example.com/en/"}
    )

    assert response.status_code == 302
    assert "evil.example.com" not in response["Location"]


def test_every_page_offers_the_language_switch(client, charter):
    page = text(client.get("/"))

    assert 'action="/i18n/setlang/"' in page
    assert 'name="language"' in page
