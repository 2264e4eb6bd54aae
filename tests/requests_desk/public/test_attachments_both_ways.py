"""Files both ways: staff attach them to what they tell the customer (sent with the e-mail)
and to notes; customers attach them to their replies on the tracking page. Staff of the case's
division and the customer (through their tracking session) fetch them; nobody else."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from notifications.delivery import deliver_due
from notifications.models import Notification
from requests_desk.models import Attachment
from tests.factories import CustomerContactFactory
from tests.requests_desk.api_support import client_for
from tests.requests_desk.desk_support import member_of, new_request
from tests.requests_desk.public.support import PDF, PNG
from tests.requests_desk.views_support import text
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]


@pytest.fixture
def case(staff):
    customer = CustomerContactFactory(name="홍길동", email="hong@example.com")
    with at(2026, 12, 2, 10, 0):
        return new_request(staff, customer=customer, assignee=staff)


def upload(name="plan.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def tell(client, case, *files, channel="email"):
    return client.post(
        f"/desk/requests/{case.pk}/communicate/",
        {
            "communicate-purpose": "feasibility",
            "communicate-channel": channel,
            "communicate-summary": "Feasible; the plan is attached.",
            "communicate-files": list(files),
        },
    )


def note(client, case, *files):
    return client.post(
        f"/desk/requests/{case.pk}/note/",
        {"note-text": "Internal sizing sheet.", "note-files": list(files)},
    )


def customer_session(client, case):
    """The customer, signed in to their case on the tracking page (code and e-mail)."""
    client.logout()
    response = client.post(
        "/track/", {"tracking_code": case.tracking_code, "email": case.customer.email}
    )
    assert response.status_code == 302
    return client


def test_a_file_told_by_e_mail_goes_with_the_message_as_a_mime_attachment(
    client, staff, case, smtp
):
    with at(2026, 12, 2, 11, 0):
        response = tell(client, case, upload(), upload("screen.png", PNG, "image/png"))
    assert response.status_code == 302

    files = Attachment.objects.filter(request=case).order_by("pk")
    assert [(f.original_name, f.from_customer, f.activity.kind) for f in files] == [
        ("plan.pdf", False, "communication"),
        ("screen.png", False, "communication"),
    ]
    deliver_due(now=kst(2026, 12, 2, 11, 1))
    smtp.wait_for(2, timeout=10)  # the acknowledgement, then the answer
    heading = f"[{case.tracking_code}] {case.subject}"
    [mail] = [m for m in smtp.to("hong@example.com") if m.subject == heading]
    parts = {p.get_filename(): p for p in mail.message.iter_attachments()}
    assert set(parts) == {"plan.pdf", "screen.png"}
    assert parts["plan.pdf"].get_content_type() == "application/pdf"
    assert parts["plan.pdf"].get_content() == PDF
    assert "Feasible; the plan is attached." in mail.message.get_body(("plain",)).get_content()


def test_staff_see_and_fetch_the_files_on_the_timeline(client, staff, case):
    with at(2026, 12, 2, 11, 0):
        tell(client, case, upload(), channel="phone")
        note(client, case, upload("sizing.txt", "규모 산정".encode(), "text/plain"))

    page = text(client.get(f"/desk/requests/{case.pk}/"))
    sizing = Attachment.objects.get(original_name="sizing.txt")
    link = f"/desk/requests/{case.pk}/attachments/{sizing.pk}/"
    assert link in page
    assert "plan.pdf" in page
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "규모 산정".encode()
    assert response["Content-Disposition"].startswith("attachment")


def test_staff_of_another_division_cannot_fetch_them(client, staff, case):
    with at(2026, 12, 2, 11, 0):
        tell(client, case, upload(), channel="phone")
    file = Attachment.objects.get(request=case)
    client.force_login(member_of("market-it-infra", "files.market"))

    response = client.get(f"/desk/requests/{case.pk}/attachments/{file.pk}/")

    assert response.status_code == 404


def test_the_customer_fetches_our_files_but_never_a_notes(client, staff, case):
    with at(2026, 12, 2, 11, 0):
        tell(client, case, upload(), channel="phone")
        note(client, case, upload("sizing.pdf"))
    told = Attachment.objects.get(original_name="plan.pdf")
    internal = Attachment.objects.get(original_name="sizing.pdf")
    customer_session(client, case)

    page = text(client.get(f"/track/{case.tracking_code}/"))
    mine = client.get(f"/track/{case.tracking_code}/attachments/{told.pk}/")
    hidden = client.get(f"/track/{case.tracking_code}/attachments/{internal.pk}/")

    assert f"/track/{case.tracking_code}/attachments/{told.pk}/" in page
    assert "sizing.pdf" not in page
    assert mine.status_code == 200
    assert b"".join(mine.streaming_content) == PDF
    assert hidden.status_code == 404


def test_a_visitor_without_the_tracking_session_gets_nothing(client, staff, case):
    with at(2026, 12, 2, 11, 0):
        tell(client, case, upload(), channel="phone")
    file = Attachment.objects.get(request=case)
    client.logout()

    response = client.get(f"/track/{case.tracking_code}/attachments/{file.pk}/")

    assert response.status_code == 404


def test_the_customer_attaches_files_to_a_reply_and_staff_fetch_them(client, staff, case):
    customer_session(client, case)

    with at(2026, 12, 2, 12, 0):
        response = client.post(
            f"/track/{case.tracking_code}/reply/",
            {
                "message": "Here is the error screen.",
                "files": [upload("error.png", PNG, "image/png")],
            },
        )

    assert response.status_code == 302
    file = Attachment.objects.get(request=case)
    assert file.from_customer
    assert file.activity.kind == "customer_message"
    page = text(client.get(f"/track/{case.tracking_code}/"))
    assert f"/track/{case.tracking_code}/attachments/{file.pk}/" in page
    client.force_login(staff)
    response = client.get(f"/desk/requests/{case.pk}/attachments/{file.pk}/")
    assert b"".join(response.streaming_content) == PNG


def test_a_file_whose_content_is_not_its_type_is_refused_and_the_message_kept(client, staff, case):
    customer_session(client, case)
    fake = upload("invoice.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")

    response = client.post(
        f"/track/{case.tracking_code}/reply/", {"message": "See the invoice.", "files": [fake]}
    )

    assert response.status_code == 400
    page = text(response)
    assert "See the invoice." in page
    assert "invoice.pdf" in page
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_a_413(client, staff, case, settings):
    settings.CHARTER_ATTACHMENT_MAX_BYTES = 1024
    settings.CHARTER_MAX_BODY_BYTES = 1024 * 1024

    with at(2026, 12, 2, 11, 0):
        response = tell(client, case, upload("big.pdf", PDF + b"0" * 2048))

    assert response.status_code == 413
    assert "Feasible; the plan is attached." in text(response)
    assert not Attachment.objects.exists()


def test_more_files_than_allowed_are_refused(client, staff, case):
    with at(2026, 12, 2, 11, 0):
        response = note(client, case, *[upload(f"f{i}.pdf") for i in range(6)])

    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_the_api_takes_files_with_a_communication_and_a_note(staff, case):
    api = client_for(staff)
    base = f"/api/v1/requests/{case.pk}/"

    with at(2026, 12, 2, 11, 0):
        told = api.post(
            f"{base}communications/",
            {
                "purpose": "feasibility",
                "channel": "email",
                "summary": "Feasible; plan attached.",
                "files": [upload()],
            },
            format="multipart",
        )
        noted = api.post(
            f"{base}notes/",
            {"text": "Sizing.", "files": [upload("sizing.txt", b"3 days", "text/plain")]},
            format="multipart",
        )
        listed = api.get(f"{base}communications/")

    assert told.status_code == 201, told.content
    assert [a["original_name"] for a in told.json()["attachments"]] == ["plan.pdf"]
    assert noted.status_code == 201, noted.content
    assert noted.json()["attachments"][0]["from_customer"] is False
    [entry] = listed.json()["results"]
    assert entry["attachments"][0]["original_name"] == "plan.pdf"
    sent = Notification.objects.get(idempotency_key__endswith=f":message:{told.json()['id']}")
    assert [a["name"] for a in sent.attachments] == ["plan.pdf"]


def test_the_api_refuses_a_disguised_file_and_answers_413_for_a_large_one(staff, case, settings):
    api = client_for(staff)
    url = f"/api/v1/requests/{case.pk}/notes/"
    fake = upload("run.pdf", b"MZ\x90\x00 a program", "application/pdf")

    refused = api.post(url, {"text": "x", "files": [fake]}, format="multipart")
    settings.CHARTER_ATTACHMENT_MAX_BYTES = 1024
    large = api.post(
        url, {"text": "x", "files": [upload("big.pdf", PDF + b"0" * 2048)]}, format="multipart"
    )

    assert refused.status_code == 400
    assert "files" in refused.json()
    assert large.status_code == 413
    assert not Attachment.objects.exists()
