"""The public API: ``POST /api/v1/public/complaints/`` and ``GET /api/v1/public/track/…``."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from commitments.models import Deadline
from notifications.models import Notification
from requests_desk import cases
from requests_desk.models import Attachment, HomepageSubmission, Request, UnkindServiceReport
from tests.factories import UserFactory
from tests.requests_desk.public.support import API_COMPLAINTS, API_TRACK, PDF, api_complaint
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


@pytest.fixture
def anonymous():
    """No account, no session, no CSRF cookie — and CSRF checks on, as a browser would have."""
    return APIClient(enforce_csrf_checks=True)


def post(client, **changes):
    return client.post(API_COMPLAINTS, api_complaint(**changes), format="json")


def test_a_complaint_by_json_answers_201_with_its_tracking_code(anonymous):
    with at(2026, 12, 2, 10, 0):
        response = post(anonymous)

    assert response.status_code == 201, response.content
    body = response.json()
    request = Request.objects.get()
    assert body["tracking_code"] == request.tracking_code
    assert body["track_url"].endswith("/track/")
    assert request.channel == "homepage"
    assert request.kind == "complaint"
    clock = Deadline.objects.get(
        subject_id=str(request.pk), commitment__code="common.homepage-input"
    )
    assert clock.due_at == kst(2026, 12, 2, 18, 0)
    assert HomepageSubmission.objects.get(request=request).consent_at == kst(2026, 12, 2, 10)
    assert Notification.objects.filter(step="acknowledgement", recipient="hong@example.com")


def test_an_unkind_service_report_by_json(anonymous):
    response = post(anonymous, category="unkind_service", occasion="12/1 14시 전화 응대")

    assert response.status_code == 201
    assert UnkindServiceReport.objects.get().occasion == "12/1 14시 전화 응대"


def test_multipart_with_an_attachment(anonymous):
    data = {**api_complaint(), "consent": "true"}
    data["attachment"] = SimpleUploadedFile("log.pdf", PDF, content_type="application/pdf")

    response = anonymous.post(API_COMPLAINTS, data, format="multipart")

    assert response.status_code == 201, response.content
    assert Attachment.objects.get().original_name == "log.pdf"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consent": False}, "consent"),
        ({"category": "praise"}, "category"),
        ({"email": "nope"}, "email"),
        ({"subject": ""}, "subject"),
        ({"subject": "가" * 201}, "subject"),
        ({"message": "\x00"}, "message"),
        ({"name": "a\x00b"}, "name"),
        ({"service": "no-such-service"}, "service"),
        ({"phone": "call me"}, "phone"),
        ({"category": "unkind_service"}, "occasion"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(anonymous, changes, field):
    response = post(anonymous, **changes)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Request.objects.exists()


def test_an_empty_body_is_a_400_listing_every_required_field(anonymous):
    response = anonymous.post(API_COMPLAINTS, {}, format="json")

    assert response.status_code == 400
    assert {"name", "organisation", "email", "category", "subject", "message", "consent"} <= set(
        response.json()
    )


def test_malformed_json_is_a_400(anonymous):
    response = anonymous.post(API_COMPLAINTS, "{not json", content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("body", ["[]", '"a complaint"', "123", "null", "true"])
def test_json_that_is_not_an_object_is_a_400(anonymous, body):
    response = anonymous.post(API_COMPLAINTS, data=body, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Request.objects.exists()


def test_markup_emoji_and_sql_are_stored_as_typed(anonymous):
    subject = "<img src=x onerror=alert(1)> 😀 '; DROP TABLE x; --"
    assert post(anonymous, subject=subject).status_code == 201
    assert Request.objects.get().subject == subject


def test_a_disallowed_attachment_is_a_400(anonymous):
    data = {**api_complaint(), "consent": "true"}
    data["attachment"] = SimpleUploadedFile("x.exe", b"MZ\x90\x00")

    response = anonymous.post(API_COMPLAINTS, data, format="multipart")

    assert response.status_code == 400
    assert "attachment" in response.json()


def test_an_attachment_over_the_limit_is_a_413(anonymous, settings):
    settings.CHARTER_ATTACHMENT_MAX_BYTES = 1000
    data = {**api_complaint(), "consent": "true"}
    data["attachment"] = SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)

    response = anonymous.post(API_COMPLAINTS, data, format="multipart")

    assert response.status_code == 413
    assert "attachment" in response.json()
    assert not Request.objects.exists()


def test_a_body_over_the_limit_is_a_413_in_json(anonymous, settings):
    settings.CHARTER_MAX_BODY_BYTES = 2048

    response = post(anonymous, message="x" * 5000)

    assert response.status_code == 413
    assert "detail" in response.json()


def test_the_default_limit_lets_20_through_and_refuses_the_21st(anonymous):
    for n in range(20):
        assert post(anonymous, email=f"c{n}@example.com").status_code == 201, n

    refused = anonymous.post(
        API_COMPLAINTS,
        api_complaint(email="late@example.com"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("같은 주소 또는 이메일에서 너무 많이 제출되었습니다")
    assert int(refused["Retry-After"]) > 0
    assert Request.objects.count() == 20


def test_a_honeypot_hit_gets_a_201_and_creates_nothing(anonymous):
    response = post(anonymous, website="http://spam.example")

    assert response.status_code == 201
    assert len(response.json()["tracking_code"]) == 10
    assert not Request.objects.exists()


# --- Tracking ---------------------------------------------------------------------------------


@pytest.fixture
def case(anonymous):
    with at(2026, 12, 2, 10, 0):
        post(anonymous)
    return Request.objects.get()


def test_tracking_answers_the_public_status_and_timeline(anonymous, case):
    staff = UserFactory(username="infra.staff")
    cases.request_add_note(case, actor=staff, text="internal only")
    cases.request_communicate(
        case, actor=staff, purpose="result", channel="email", summary="해결했습니다."
    )

    response = anonymous.get(f"{API_TRACK}{case.tracking_code}/", {"email": "HONG@example.com"})

    assert response.status_code == 200
    body = response.json()
    assert body["tracking_code"] == case.tracking_code
    assert body["status"] == "in_progress"  # our first answer started the work
    assert body["received_at"] == "2026-12-02T10:00:00+09:00"
    assert [e["kind"] for e in body["timeline"]] == ["communication", "status"]
    assert body["timeline"][0]["text"] == "해결했습니다."
    assert "internal only" not in json.dumps(body, ensure_ascii=False)


def test_tracking_gives_the_same_404_for_an_unknown_code_and_a_wrong_e_mail(anonymous, case):
    unknown = anonymous.get(f"{API_TRACK}ZZZZZZZZZZ/", {"email": "hong@example.com"})
    wrong = anonymous.get(f"{API_TRACK}{case.tracking_code}/", {"email": "x@example.com"})
    missing = anonymous.get(f"{API_TRACK}{case.tracking_code}/")

    assert unknown.status_code == wrong.status_code == missing.status_code == 404
    assert unknown.content == wrong.content == missing.content


def test_tracking_look_ups_are_rate_limited(anonymous, case, settings):
    settings.CHARTER_PUBLIC_LOOKUPS_PER_IP_HOUR = 2
    for _ in range(2):
        anonymous.get(f"{API_TRACK}ZZZZZZZZZZ/", {"email": "a@example.com"})

    response = anonymous.get(f"{API_TRACK}{case.tracking_code}/", {"email": "hong@example.com"})

    assert response.status_code == 429


def test_the_public_endpoints_are_in_the_schema_without_authentication():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()

    complaints = schema["paths"]["/api/v1/public/complaints/"]["post"]
    assert {"201", "400", "413", "429"} <= set(complaints["responses"])
    assert complaints["security"] == [{}]  # no authentication needed
    track = schema["paths"]["/api/v1/public/track/{tracking_code}/"]["get"]
    assert "404" in track["responses"]
