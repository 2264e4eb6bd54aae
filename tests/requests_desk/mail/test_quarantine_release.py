"""Releasing a message from quarantine in the admin: one held back for its size or an
executable-looking attachment is filed as a case (once, however often it is released); one
that cannot be read stays where it is, and the admin says why."""

import pytest

from requests_desk import tasks
from requests_desk.models import Activity, Attachment, InboundMessage, Request
from tests.requests_desk.mail.support import email_bytes, raw_email

pytestmark = pytest.mark.usefixtures("charter")

QUARANTINE = "/admin/requests_desk/quarantinedmessage/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MALFORMED = raw_email(
    """
From: minji@kbsec.example
Subject: broken
Message-ID: <broken-release@kbsec.example>
MIME-Version: 1.0
Content-Type: multipart/mixed

no boundary at all
"""
)


def quarantined(dovecot, raw: bytes) -> InboundMessage:
    dovecot.deliver(raw)
    tasks.poll_mail()
    record = InboundMessage.objects.get()
    assert record.outcome == "quarantined"
    return record


def release(client, *records: InboundMessage) -> list[str]:
    """Tick ``records`` in the quarantine list and run the release; the messages shown."""
    response = client.post(
        QUARANTINE,
        {"action": "release", "_selected_action": [record.pk for record in records]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_a_message_held_for_its_size_is_filed_as_a_case_once_released(
    dovecot, settings, admin_client
):
    settings.CHARTER_MAIL_MAX_BYTES = 64 * 1024
    big = PDF + b"0" * 100_000
    record = quarantined(dovecot, email_bytes(attachments=[("도면.pdf", big, "application/pdf")]))
    assert record.reason.startswith("oversized")

    [said] = release(admin_client, record)

    case = Request.objects.get()
    record.refresh_from_db()
    assert (record.outcome, record.request) == ("new_case", case)
    assert record.reason.startswith("released from quarantine by admin (held for oversized")
    assert said.endswith(case.tracking_code)
    assert (case.channel, case.subject) == ("email", "VPN 접속 불가")
    [kept] = Attachment.objects.filter(request=case)
    assert (kept.original_name, kept.size) == ("도면.pdf", len(big))
    # It left the quarantine list.
    assert not admin_client.get(QUARANTINE).context["cl"].result_count


def test_an_executable_attachment_is_never_kept_when_its_message_is_released(dovecot, admin_client):
    record = quarantined(
        dovecot,
        email_bytes(attachments=[("invoice.pdf.exe", b"MZ\x90\x00rest", "application/pdf")]),
    )
    assert record.reason.startswith("virus")

    release(admin_client, record)

    case = Request.objects.get()
    assert "VPN에 접속할 수 없습니다" in case.body
    # The desk's own checks still refuse the file: named in a note, kept only in the raw e-mail.
    assert not Attachment.objects.filter(request=case).exists()
    notes = Activity.objects.filter(request=case, kind="note").values_list("text", flat=True)
    assert any("invoice.pdf.exe" in note for note in notes)


def test_releasing_twice_or_receiving_it_again_makes_one_case(dovecot, settings, admin_client):
    settings.CHARTER_MAIL_MAX_BYTES = 2048
    raw = email_bytes(body="긴 본문입니다. " * 400, message_id="<long@kbsec.example>")
    record = quarantined(dovecot, raw)

    first = release(admin_client, record)
    again = release(admin_client, record)  # the same list page, submitted twice
    dovecot.deliver(raw)  # and the same e-mail delivered once more
    tasks.poll_mail()

    assert Request.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert len(first) == 1
    assert again == []


def test_a_message_that_cannot_be_read_stays_in_quarantine_with_the_reason(dovecot, admin_client):
    record = quarantined(dovecot, MALFORMED)

    [said] = release(admin_client, record)

    assert not Request.objects.exists()
    record.refresh_from_db()
    assert record.outcome == "quarantined"
    assert record.reason.startswith("malformed")
    assert record.reason in said


def test_staff_who_are_not_admins_cannot_release(dovecot, settings, client, demo_users):
    settings.CHARTER_MAIL_MAX_BYTES = 2048
    record = quarantined(dovecot, email_bytes(body="긴 본문입니다. " * 400))
    staff = demo_users["staff"]
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)

    response = client.post(QUARANTINE, {"action": "release", "_selected_action": [record.pk]})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    record.refresh_from_db()
    assert record.outcome == "quarantined"
    assert not Request.objects.exists()
