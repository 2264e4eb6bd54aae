"""The request list's search: subject, body, tracking code, customer and organisation, any part
of a word — a Korean word inside a compound too — through the trigram indexes."""

import pytest
from django.db import connection

from tests.factories import CustomerContactFactory, OrganisationFactory
from tests.requests_desk.desk_support import new_request
from tests.requests_desk.views_support import signed_in_member
from tests.seoul import at

pytestmark = pytest.mark.django_db

LIST = "/desk/requests/"


@pytest.fixture(autouse=True)
def _wednesday():
    with at(2026, 11, 25, 10, 0):
        yield


@pytest.fixture
def staff(client, charter):
    return signed_in_member(client, "desk.search")


def found(client, words: str) -> set:
    response = client.get(LIST, {"q": words})
    assert response.status_code == 200
    return {case for case, _clocks in response.context["rows"]}


def test_korean_words_are_found_inside_compound_words(client, staff):
    outage = new_request(staff, subject="시세수신장애 발생", body="원장시스템접속불가")
    other = new_request(staff, subject="화면변경 요청", body="조회화면에 열 추가")

    assert found(client, "수신장애") == {outage}
    assert found(client, "장애") == {outage}
    assert found(client, "시스템접속") == {outage}
    assert found(client, "화면") == {other}
    assert found(client, "없는말") == set()


def test_customer_organisation_and_tracking_code_are_searched(client, staff):
    org = OrganisationFactory(name="한국가상증권주식회사")
    kim = new_request(
        staff, customer=CustomerContactFactory(organisation=org, name="김가상", email="kim@x.kr")
    )
    lee = new_request(staff, customer=CustomerContactFactory(name="이몽룡", email="mong@y.kr"))

    assert found(client, "가상증권") == {kim}
    assert found(client, "몽룡") == {lee}
    assert found(client, "MONG@Y") == {lee}
    assert found(client, lee.tracking_code[2:7].lower()) == {lee}


def test_the_search_reads_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%' "
            "ORDER BY indexname"
        )
        names = [name for (name,) in cursor.fetchall()]

    assert names == [
        "contact_email_trgm",
        "contact_name_trgm",
        "organisation_name_trgm",
        "request_body_trgm",
        "request_subject_trgm",
        "request_tracking_trgm",
    ]


def test_the_search_query_can_use_the_indexes(staff):
    from requests_desk.cases.selectors import requests_matching
    from requests_desk.models import Request

    query = requests_matching(Request.objects.order_by(), "수신장애").values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())

    for index in ("request_subject_trgm", "request_body_trgm", "request_tracking_trgm"):
        assert index in plan, plan
