"""``/api/v1/commitments/``: the catalogue, its simulator, the schema and the offline docs."""

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commitments.models import Division, Service
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


def simulate_url(code: str) -> str:
    return f"{LIST}{code}/simulate/"


@pytest.fixture
def api(demo_users):
    client = APIClient()
    client.force_authenticate(demo_users["staff"])
    return client


def simulate(api, code: str, **params):
    """GET the simulator with the query string encoded as a browser or ``curl`` would."""
    query = "&".join(f"{name}={quote(value, safe=':')}" for name, value in params.items())
    return api.get(f"{simulate_url(code)}?{query}")


# --- The catalogue ----------------------------------------------------------------------------


def test_the_catalogue_is_closed_to_anonymous_callers(charter):
    anonymous = APIClient()

    for url in (LIST, f"{LIST}common.feasibility/", simulate_url("common.feasibility")):
        response = anonymous.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_the_simulator_answers_with_a_format_suffix_too(api):
    response = api.get(
        f"{LIST}common.feasibility/simulate.json",
        {"start": "2026-09-23T15:00:00+09:00"},
    )

    assert response.status_code == 200, response.content
    assert response.json()["due_at"] == "2026-09-28T15:00:00+09:00"


def test_staff_log_in_with_a_session_and_read_the_catalogue(client, demo_users):
    client.force_login(demo_users["staff"])

    response = client.get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 38


def test_the_catalogue_is_paginated_with_a_next_link(api):
    response = api.get(LIST, {"page_size": 10})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 38
    assert len(body["results"]) == 10
    assert body["next"] is not None
    assert "page=2" in body["next"]

    seen = [row["code"] for row in body["results"]]
    next_url = body["next"]
    while next_url:
        body = api.get(next_url).json()
        seen += [row["code"] for row in body["results"]]
        next_url = body["next"]
    assert len(seen) == len(set(seen)) == 38
    assert seen == sorted(seen)


def test_the_catalogue_accepts_a_page_size_up_to_500(api):
    body = api.get(LIST, {"page_size": 500}).json()

    assert len(body["results"]) == 38
    assert body["next"] is None


def test_a_page_size_above_500_is_capped_not_refused(api, settings):
    response = api.get(LIST, {"page_size": 100000})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 38


@pytest.mark.parametrize("page_size", ["abc", "0", "-1", ""])
def test_a_nonsense_page_size_falls_back_to_the_default(api, page_size):
    response = api.get(LIST, {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 38


def test_the_list_queries_do_not_grow_with_the_commitments(api):
    with CaptureQueriesContext(connection) as before:
        api.get(LIST, {"page_size": 500})
    market = Division.objects.get(code="market")
    for _ in range(5):
        CommitmentFactory(division=market, service=Service.objects.filter(division=market)[0])

    with CaptureQueriesContext(connection) as after:
        response = api.get(LIST, {"page_size": 500})

    assert response.json()["count"] == 43
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_default_page_is_50_rows(api):
    body = api.get(LIST).json()

    assert len(body["results"]) == 38
    assert body["next"] is None
    assert body["previous"] is None


def test_a_page_past_the_end_is_a_404_not_a_500(api):
    assert api.get(LIST, {"page": 99}).status_code == 404


def test_the_catalogue_filters_by_clock_kind(api):
    body = api.get(LIST, {"target_kind": "elapsed"}).json()

    assert body["count"] == 9
    assert {row["target_kind"] for row in body["results"]} == {"elapsed"}


def test_a_commitment_is_read_by_its_dotted_code(api):
    response = api.get(f"{LIST}common.feasibility/")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "common.feasibility"
    assert body["target_kind"] == "business_hours"
    assert body["target_minutes"] == 540
    assert body["division"] is None
    assert body["title_ko"]
    assert body["title_en"]


def test_a_division_code_with_a_nul_byte_is_an_unknown_division(api):
    start = "2026-09-23T15:00:00+09:00"
    response = simulate(api, "common.feasibility", start=start, division="\x00")

    assert response.status_code == 400
    assert "division" in response.json()


def test_a_division_commitment_names_its_division_by_code(api):
    body = api.get(f"{LIST}market.business-review/").json()

    assert body["division"] == "market"


def test_an_unknown_code_is_404(api):
    assert api.get(f"{LIST}common.no-such-promise/").status_code == 404


def test_the_catalogue_is_read_only(api):
    assert api.post(LIST, {"code": "x.y"}, format="json").status_code == 405
    assert api.delete(f"{LIST}common.feasibility/").status_code == 405


# --- The simulator ----------------------------------------------------------------------------


def test_simulate_gives_the_spec_example_due_monday_after_chuseok(api):
    response = simulate(api, "common.feasibility", start="2026-09-23T15:00:00+09:00")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["commitment"] == "common.feasibility"
    assert body["calendar"] == "kr-public"
    assert body["due_at"] == "2026-09-28T15:00:00+09:00"
    reasons = {(skip["reason"], skip["label"]) for skip in body["skipped"]}
    assert any("추석" in label for reason, label in reasons if reason == "holiday"), reasons
    assert any(reason == "weekend" for reason, _label in reasons)
    steps = {step["key"]: step["at"] for step in body["steps"]}
    assert steps["breach"] == "2026-09-28T15:00:00+09:00"


def test_simulate_accepts_the_offset_sent_url_encoded(api):
    response = api.get(
        f"{simulate_url('common.feasibility')}?start=2026-09-23T15%3A00%3A00%2B09%3A00"
    )

    assert response.status_code == 200, response.content
    assert response.json()["due_at"] == "2026-09-28T15:00:00+09:00"


def test_simulate_takes_an_unencoded_plus_for_the_offset_it_stands_for(api):
    response = api.get(f"{simulate_url('common.feasibility')}?start=2026-09-23T15:00:00+09:00")

    assert response.status_code == 200, response.content
    assert response.json()["due_at"] == "2026-09-28T15:00:00+09:00"


def test_simulate_accepts_utc_and_answers_in_seoul_time(api):
    response = simulate(api, "common.feasibility", start="2026-09-23T06:00:00Z")

    assert response.status_code == 200, response.content
    assert response.json()["due_at"] == "2026-09-28T15:00:00+09:00"


def test_simulate_a_market_commitment_on_the_exchange_calendar(api):
    response = simulate(api, "market.business-review", start="2026-12-24T10:00:00+09:00")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["calendar"] == "krx-exchange"
    # Seven calendar days, never moved off the weekend, holidays or the exchange's Dec 31.
    assert body["due_at"] == "2026-12-31T10:00:00+09:00"


def test_the_exchange_calendar_closes_on_december_31(api):
    kr = simulate(api, "common.homepage-input", start="2026-12-31T10:00:00+09:00").json()
    krx = simulate(
        api, "common.homepage-input", start="2026-12-31T10:00:00+09:00", division="market"
    ).json()

    assert kr["calendar"] == "kr-public"
    assert kr["due_at"] == "2026-12-31T18:00:00+09:00"
    assert krx["calendar"] == "krx-exchange"
    assert krx["due_at"] == "2027-01-04T18:00:00+09:00"


def test_simulate_a_requested_date_on_a_saturday_holiday_closes_the_friday_before(api):
    response = simulate(
        api,
        "common.institutional-change",
        start="2026-09-21T10:00:00+09:00",
        target="2026-10-03",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due_at"] == "2026-10-02T18:00:00+09:00"
    # Why: the time between that closing and the end of the requested date, not Chuseok.
    assert [(s["reason"], s["start"][:10]) for s in body["skipped"]] == [
        ("closed_hours", "2026-10-02"),
        ("holiday", "2026-10-03"),
    ]
    assert body["skipped"][-1]["end"] == "2026-10-04T00:00:00+09:00"


def test_simulate_a_requested_date_may_also_be_an_instant_with_an_offset(api):
    response = simulate(
        api,
        "common.institutional-change",
        start="2026-09-21T10:00:00+09:00",
        target="2026-10-07T00:00:00+09:00",
    )

    assert response.status_code == 200, response.content
    assert response.json()["due_at"] == "2026-10-07T18:00:00+09:00"


@pytest.mark.parametrize("target", ["2026-02-30", "2026-10-03T12:00", "October 3rd", ""])
def test_simulate_a_requested_date_that_is_not_a_date_or_an_instant_is_a_400(api, target):
    response = simulate(
        api, "common.institutional-change", start="2026-09-21T10:00:00+09:00", target=target
    )

    assert response.status_code == 400, response.content
    assert "target" in response.json()


def test_simulate_a_suspension_notice_is_due_seven_days_before_the_suspension(api):
    response = simulate(
        api,
        "common.suspension-notice",
        start="2026-10-01T10:00:00+09:00",
        target="2026-10-20T09:00:00+09:00",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due_at"] == "2026-10-13T09:00:00+09:00"
    assert body["target"] == "2026-10-20T09:00:00+09:00"


def test_simulate_a_certificate_renewal_a_month_before_expiry_clamped_to_month_end(api):
    response = simulate(
        api,
        "cert.renewal-notice",
        start="2026-01-05T10:00:00+09:00",
        target="2026-03-31T00:00:00+09:00",
    )

    assert response.status_code == 200, response.content
    assert response.json()["due_at"] == "2026-02-28T00:00:00+09:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "start"),
        ({"start": ""}, "start"),
        ({"start": "next tuesday"}, "start"),
        ({"start": "2026-13-45T25:00:00+09:00"}, "start"),
        ({"start": "2026-09-23T15:00:00"}, "start"),
        ({"start": "2026-09-23"}, "start"),
        ({"start": "2026-09-23T15:00:00+09:00", "division": "mars"}, "division"),
        ({"start": "2026-09-23T15:00:00+09:00", "target": "soon"}, "target"),
    ],
)
def test_simulate_refuses_bad_input_with_a_field_message(api, params, field):
    response = simulate(api, "common.feasibility", **params)

    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body
    assert body[field]
    assert all(isinstance(message, str) for message in body[field])


@pytest.mark.parametrize(
    ("code", "params", "field"),
    [
        ("common.feasibility", {"start": "0001-01-01T00:00:00+09:00"}, "start"),
        ("common.feasibility", {"start": "9999-12-31T23:00:00-09:00"}, "start"),
        ("market.business-review", {"start": "9999-12-28T10:00:00+09:00"}, "start"),
        ("common.progress-15d", {"start": "9999-12-25T15:00:00+09:00"}, "start"),
        ("common.homepage-input", {"start": "1999-12-31T10:00:00+09:00"}, "start"),
        (
            "common.suspension-notice",
            {"start": "2026-09-23T15:00:00+09:00", "target": "0001-01-03T00:00:00+09:00"},
            "target",
        ),
        (
            "common.institutional-change",
            {"start": "2026-09-23T15:00:00+09:00", "target": "0001-01-01"},
            "target",
        ),
        (
            "common.institutional-change",
            {"start": "2026-09-23T15:00:00+09:00", "target": "9999-12-31"},
            "target",
        ),
    ],
)
def test_simulate_an_instant_outside_the_calendars_years_is_a_400_not_a_500(
    api, code, params, field
):
    response = simulate(api, code, **params)

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_simulate_a_lead_time_without_a_target_is_a_400_on_target(api):
    response = simulate(api, "common.suspension-notice", start="2026-09-23T15:00:00+09:00")

    assert response.status_code == 400
    assert "target" in response.json()


def test_simulate_a_naive_target_is_refused(api):
    response = simulate(
        api,
        "common.suspension-notice",
        start="2026-09-23T15:00:00+09:00",
        target="2026-10-20T09:00:00",
    )

    assert response.status_code == 400
    assert "target" in response.json()


def test_simulate_an_unknown_code_is_404(api):
    response = simulate(api, "common.no-such-promise", start="2026-09-23T15:00:00+09:00")

    assert response.status_code == 404


@pytest.mark.parametrize("code", ["visit.appointment", "phone.answer-3-rings"])
def test_simulate_a_commitment_that_starts_no_clock_is_a_400(api, code):
    response = simulate(api, code, start="2026-09-23T15:00:00+09:00")

    assert response.status_code == 400
    assert response.json()


# --- Schema and docs --------------------------------------------------------------------------


def test_the_openapi_schema_is_readable_without_an_account(charter):
    response = APIClient().get("/api/v1/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/commitments/" in schema["paths"]
    simulate_path = next(p for p in schema["paths"] if p.endswith("/simulate/"))
    assert simulate_path.startswith("/api/v1/commitments/{")
    parameters = {p["name"] for p in schema["paths"][simulate_path]["get"]["parameters"]}
    assert {"start", "target", "division"} <= parameters


def test_the_schema_is_served_as_yaml_by_default(charter):
    response = APIClient().get("/api/v1/schema/")

    assert response.status_code == 200
    assert response.content.decode().startswith("openapi: 3.")


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_api_docs_are_served_offline_without_a_cdn(client, charter, url):
    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "drf_spectacular_sidecar" in page
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.", "googleapis.com"):
        assert cdn not in page
    external = re.findall(r"""(?:src|href)=["'](?:https?:)?//[^"']+""", page)
    assert external == []


def test_the_docs_assets_are_actually_served(client, charter):
    page = client.get("/api/v1/docs/").content.decode()
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", page)

    assert assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content), asset
