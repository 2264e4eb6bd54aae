"""The homepage's complaint / inquiry / request form: what it creates, and what it refuses."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments.models import Deadline, Team
from notifications.models import Notification
from requests_desk.models import (
    Attachment,
    CustomerContact,
    HomepageSubmission,
    Request,
    UnkindServiceReport,
)
from tests.factories import UserFactory
from tests.requests_desk.public.support import (
    COMPLAINT,
    PDF,
    complaint_data,
    docx_bytes,
    text,
)
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


def submit(client, **changes):
    return client.post(COMPLAINT, complaint_data(**changes))


def clocks_of(request) -> dict[str, Deadline]:
    return {
        d.commitment_code: d
        for d in Deadline.objects.filter(subject_type="request", subject_id=str(request.pk))
    }


def test_the_form_speaks_korean_and_states_what_is_collected_why_and_for_how_long(client):
    response = client.get(COMPLAINT)

    assert response.status_code == 200
    page = text(response)
    assert '<html lang="ko">' in page
    assert 'enctype="multipart/form-data"' in page
    assert "csrfmiddlewaretoken" in page
    for field in ("name", "organisation", "email", "phone", "subject", "message", "consent"):
        assert re.search(rf'<label[^>]+for="id_{field}"', page), field
    # The honeypot is there, hidden from people, out of the tab order.
    assert re.search(r'class="hp-field" aria-hidden="true"', page)
    assert re.search(r'name="website"[^>]*tabindex="-1"|tabindex="-1"[^>]*name="website"', page)
    # "Not sure" is the first choice of service.
    assert re.search(r'<option value=""[^>]*>', page)
    assert 'id="consent-terms"' in page

    english = text(client.get("/en" + COMPLAINT))
    assert "Retention period" in english
    assert "Three years after your case is closed" in english
    assert "Items collected" in english
    assert "Purpose" in english


def test_a_complaint_becomes_a_homepage_request_with_its_same_day_clock(client):
    with at(2026, 12, 2, 10, 0):  # a Wednesday
        response = submit(client)

    assert response.status_code == 302
    assert response["Location"] == "/complaint/done/"
    request = Request.objects.get()
    assert request.channel == "homepage"
    assert request.kind == "complaint"
    assert request.subject == "시세 수신이 지연됩니다"
    # "Not sure": the portal's default division and team (Network Support of Infrastructure).
    assert request.division.code == "infrastructure"
    assert request.team.code == "net-support"
    clocks = clocks_of(request)
    assert clocks["common.homepage-input"].due_at == kst(2026, 12, 2, 18, 0)
    assert clocks["voice.complaint-feedback"].due_at == kst(2026, 12, 3, 10, 0)
    submission = HomepageSubmission.objects.get(request=request)
    assert submission.category == "complaint"
    assert submission.consent_version == "2026-11"
    assert submission.consent_at == kst(2026, 12, 2, 10, 0)
    assert submission.language == "ko"

    with at(2026, 12, 2, 10, 1):  # a minute later, while the session that filed it lasts
        done = client.get("/complaint/done/")
    assert done.status_code == 200
    assert request.tracking_code in text(done)
    assert f"/track/{request.tracking_code}/" in text(done)

    ack = Notification.objects.get(step="acknowledgement")
    assert ack.recipient == "hong@example.com"
    assert request.tracking_code in ack.body
    assert "/track/" in ack.body
    assert "/en/track/" in ack.body
    assert "hong@example.com" not in ack.body  # the link carries no e-mail


def test_an_inquiry_or_request_is_homepage_input_with_only_the_same_day_clock(client):
    with at(2026, 12, 2, 10, 0):
        submit(client, category="inquiry", subject="문의")
        submit(client, category="request", subject="요청")

    for request in Request.objects.all():
        assert request.kind == "homepage_input"
        assert set(clocks_of(request)) == {"common.homepage-input"}


def test_the_service_chosen_decides_the_division_and_team(client):
    submit(client, service="powerbase")

    request = Request.objects.get()
    assert (request.division.code, request.team.code, request.service.code) == (
        "financial",
        "fin-powerbase",
        "powerbase",
    )


def test_not_sure_follows_the_settings(client, settings):
    settings.CHARTER_PUBLIC_DIVISION = "bizdev"
    settings.CHARTER_PUBLIC_TEAM = "no-such-team"

    submit(client)

    request = Request.objects.get()
    assert request.division.code == "bizdev"
    assert request.team == Team.objects.filter(division__code="bizdev").order_by("code").first()


def test_an_existing_contact_is_found_by_e_mail(client):
    submit(client, email="Hong@Example.com")
    submit(client, name="Someone Else", subject="Second")

    assert CustomerContact.objects.count() == 1
    assert Request.objects.filter(customer__email="hong@example.com").count() == 2


def test_an_unkind_service_report_needs_its_occasion_and_waits_for_a_manager(client):
    refused = submit(client, category="unkind_service")
    assert refused.status_code == 400
    assert 'href="#id_occasion"' in refused.content.decode()
    assert not Request.objects.exists()

    submit(
        client,
        category="unkind_service",
        occasion="12월 1일 14시, 콜센터 전화",
        employee_name="김상담",
    )

    request = Request.objects.get()
    assert request.kind == "complaint"
    report = UnkindServiceReport.objects.get(request=request)
    assert report.state == "pending"
    assert report.division == request.division
    assert report.occasion == "12월 1일 14시, 콜센터 전화"
    assert report.employee_name == "김상담"
    # Staff read the occasion on the timeline; it is an internal note.
    note = request.activities.get(data__unkind_report=True)
    assert "콜센터" in note.text
    assert note.public is False


def test_an_empty_form_lists_every_missing_field_at_the_top_linked_to_it(client):
    response = client.post(COMPLAINT, {})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="alert alert-danger error-summary"' in page
    for field in ("name", "organisation", "email", "category", "subject", "message", "consent"):
        assert f'href="#id_{field}"' in page, field
    assert not Request.objects.exists()


def test_missing_consent_is_refused_and_nothing_typed_is_lost(client):
    response = submit(client, consent="")

    assert response.status_code == 400
    page = text(response)
    assert 'href="#id_consent"' in page
    assert 'value="홍길동"' in page
    assert 'value="Example Securities"' in page
    assert "오늘 오전부터 시세 수신이 10초씩 늦습니다." in page
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    ("field", "size"),
    [("subject", 201), ("name", 101), ("message", 10_001), ("organisation", 201)],
)
def test_oversized_fields_are_refused_with_the_text_kept(client, field, size):
    response = submit(client, **{field: "가" * size})

    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.content.decode()
    assert "가" * size in text(response)
    assert not Request.objects.exists()


@pytest.mark.parametrize("field", ["name", "subject", "message", "organisation", "email"])
def test_null_bytes_are_a_form_error_not_a_500(client, field):
    response = submit(client, **{field: "abc\x00def"})

    assert response.status_code == 400
    assert f'href="#id_{field}"' in response.content.decode()
    assert not Request.objects.exists()


def test_korean_mixed_script_emoji_markup_and_sql_are_stored_as_typed_and_shown_escaped(
    client,
):
    subject = "<script>alert('x')</script> 시세 지연 😡 Ω"
    message = "Robert'); DROP TABLE requests_desk_request;-- <b>굵게</b> 👍\n둘째 줄"
    submit(client, subject=subject, message=message, name="김 O'Brien 🙂")

    request = Request.objects.get()
    assert request.subject == subject
    assert request.body == message
    assert request.customer.name == "김 O'Brien 🙂"
    page = client.get(f"/track/{request.tracking_code}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; 시세 지연 😡 Ω" in page
    staff = UserFactory(username="infra.staff")
    Team.objects.get(code="net-support").members.add(staff)
    client.force_login(staff)
    desk = client.get(f"/desk/requests/{request.pk}/").content.decode()
    assert "<b>굵게</b>" not in desk
    assert "&lt;b&gt;굵게&lt;/b&gt;" in desk
    assert "DROP TABLE requests_desk_request;--" in desk


def test_the_done_page_without_a_submission_goes_back_to_the_form(client):
    response = client.get("/complaint/done/")

    assert response.status_code == 302
    assert response["Location"] == COMPLAINT


# --- Attachments ------------------------------------------------------------------------------


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_an_attachment_is_kept_privately_and_handed_only_to_staff_of_the_division(
    client, private_media
):
    submit(client, attachment=upload("보고서 <1>.pdf", PDF, "application/pdf"))

    request = Request.objects.get()
    attachment = Attachment.objects.get(request=request)
    assert attachment.original_name == "보고서 <1>.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    stored = private_media / attachment.file.name
    assert stored.read_bytes() == PDF
    # A random name on disk: nothing the customer typed reaches a path.
    assert "보고서" not in attachment.file.name
    assert attachment.file.name.endswith(".pdf")
    address = f"/desk/requests/{request.pk}/attachments/{attachment.pk}/"

    client.logout()
    assert client.get(address).status_code == 302  # to the login page
    outsider = UserFactory(username="market.staff")
    Team.objects.get(code="market-it-infra").members.add(outsider)
    client.force_login(outsider)
    assert client.get(address).status_code == 404

    staff = UserFactory(username="infra.staff")
    Team.objects.get(code="net-support").members.add(staff)
    client.force_login(staff)
    page = client.get(f"/desk/requests/{request.pk}/").content.decode()
    assert f'href="{address}"' in page
    response = client.get(address)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tool.exe", b"MZ\x90\x00"),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("fake.pdf", b"MZ\x90\x00 this is a program"),
        ("fake.png", PDF),
        ("fake.docx", b"PK\x03\x04 not really a zip"),
        ("binary.txt", b"\x00\x01\x02\x03"),
        ("empty.pdf", b""),
    ],
)
def test_a_disallowed_or_disguised_attachment_is_refused(client, name, content):
    response = submit(client, attachment=upload(name, content))

    assert response.status_code == 400
    assert 'href="#id_attachment"' in response.content.decode()
    assert 'value="홍길동"' in text(response)
    assert not Request.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("table.docx", docx_bytes()), ("notes.txt", "한글 메모".encode()), ("a.csv", b"a,b\n1,2\n")],
)
def test_accepted_types_are_taken(client, name, content):
    assert submit(client, attachment=upload(name, content)).status_code == 302
    assert Attachment.objects.get().original_name == name


def test_an_attachment_over_the_limit_is_a_413_that_keeps_everything_else(client, settings):
    settings.CHARTER_ATTACHMENT_MAX_BYTES = 1000

    response = client.post(
        "/en" + COMPLAINT, complaint_data(attachment=upload("big.pdf", PDF + b"0" * 2000))
    )

    assert response.status_code == 413
    page = text(response)
    assert 'href="#id_attachment"' in page
    assert "The file is too large (at most 1000 B)." in page
    assert 'value="홍길동"' in page
    assert "시세 수신이 지연됩니다" in page
    assert not Request.objects.exists()


def test_a_body_over_the_limit_is_a_413_page_not_a_500(client, settings):
    settings.CHARTER_MAX_BODY_BYTES = 2048

    response = submit(client, attachment=upload("big.pdf", PDF + b"0" * 4000))

    assert response.status_code == 413
    assert 'id="refusal-message"' in response.content.decode()
    assert not Request.objects.exists()


def test_form_fields_over_django_s_memory_limit_are_a_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5000

    response = submit(client, message="x" * 6000)

    assert response.status_code == 413
    assert not Request.objects.exists()


def test_a_refused_form_says_the_attached_file_must_be_attached_again(client):
    response = submit(client, consent="", attachment=upload("ok.pdf", PDF))

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_attachment"' in page
    assert 'href="#id_consent"' in page
