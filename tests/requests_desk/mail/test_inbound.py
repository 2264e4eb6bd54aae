"""Inbound e-mail against a real Dovecot: each message read by the poll task becomes a case,
a reply on its case, or a record of why not — once, whatever happens in between.

The clock: ``support_inquiry`` (the default kind of an e-mail) owes ``common.support-eta``,
10 minutes on the wall clock: received Tue 2026-10-13 10:00 KST → due 10:10 KST."""

import hashlib
import html
import io
import socket
import threading
import zipfile
from pathlib import Path

import psycopg2
import pytest
import time_machine
from django.conf import settings

from notifications.channels.email import message_id
from notifications.models import Notification
from requests_desk import tasks
from requests_desk.cases import request_set_status
from requests_desk.mail.ingest import mail_ingest
from requests_desk.models import (
    Activity,
    Attachment,
    InboundMessage,
    MailRoute,
    Request,
)
from tests.factories import CustomerContactFactory, OrganisationFactory
from tests.notifications.conftest import database_url, wait_until
from tests.requests_desk.desk_support import clock, member_of
from tests.requests_desk.mail.support import email_bytes, raw_email
from tests.seoul import at, kst

pytestmark = pytest.mark.usefixtures("charter")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def poll() -> int:
    return tasks.poll_mail()


def raw_of(record: InboundMessage) -> bytes:
    with record.raw.open("rb") as file:
        return file.read()


def ack_of(request: Request) -> Notification:
    return Notification.objects.get(idempotency_key=f"request:{request.pk}:ack")


@pytest.fixture
def kb():
    """KB Securities writes from kbsec.example (a rule the admins keep)."""
    organisation = OrganisationFactory(name="KB증권")
    MailRoute.objects.create(sender_domain="kbsec.example", organisation=organisation)
    return organisation


@pytest.fixture
def emailed_case(dovecot, kb):
    """A case Kim Minji opened by e-mail on Tue 2026-10-13 10:00 KST."""
    with at(2026, 10, 13, 10, 0):
        dovecot.deliver(email_bytes(message_id="<first@client.example>"))
        poll()
    return Request.objects.get()


def test_a_new_email_becomes_a_case_with_its_clock(dovecot, kb):
    dovecot.deliver(
        email_bytes(attachments=[("오류화면.pdf", PDF, "application/pdf")]),
    )
    with at(2026, 10, 13, 10, 0):
        assert poll() == 1

    request = Request.objects.get()
    assert request.channel == "email"
    assert request.subject == "VPN 접속 불가"
    assert "VPN에 접속할 수 없습니다" in request.body
    assert request.customer.email == "minji@kbsec.example"
    assert request.customer.name == "Kim Minji"
    assert request.customer.organisation == kb
    assert request.division.code == "infrastructure"
    # Elapsed 10 minutes: 10:00 → 10:10 KST.
    assert clock(request, "common.support-eta").due_at == kst(2026, 10, 13, 10, 10)
    [attachment] = Attachment.objects.filter(request=request)
    assert attachment.original_name == "오류화면.pdf"
    assert attachment.content_type == "application/pdf"
    record = InboundMessage.objects.get()
    assert record.outcome == "new_case"
    assert raw_of(record).startswith(b"From: Kim Minji")
    # The acknowledgement answers the customer's e-mail, with the tracking code in its subject.
    ack = ack_of(request)
    assert ack.in_reply_to == record.message_id
    assert request.tracking_code in ack.subject
    assert dovecot.unseen() == []


def test_subject_keywords_and_recipient_addresses_route_the_case(dovecot, kb):
    MailRoute.objects.create(subject_keyword="권한", kind="access_rights")
    MailRoute.objects.create(
        recipient="market@charter.example",
        division_id=Request._meta.get_field("division").related_model.objects.get(code="market").pk,
    )
    dovecot.deliver(email_bytes(to="market@charter.example", subject="계정 권한 추가 요청"))
    poll()

    request = Request.objects.get()
    assert (request.kind, request.division.code) == ("access_rights", "market")


def test_a_known_customer_keeps_their_stored_details(dovecot):
    known = CustomerContactFactory(
        name="김민지 과장", email="minji@kbsec.example", phone="0212345678"
    )
    dovecot.deliver(email_bytes(sender="someone else <MINJI@kbsec.example>"))
    poll()

    request = Request.objects.get()
    assert request.customer == known
    known.refresh_from_db()
    assert (known.name, known.phone) == ("김민지 과장", "0212345678")


def test_a_reply_from_the_customer_threads_back_and_ends_the_wait(dovecot, emailed_case):
    request_set_status(emailed_case, actor=None, status="waiting")
    dovecot.deliver(
        email_bytes(
            subject="Re: [접수 확인 / Request received]",
            body="재부팅 후에도 같습니다.",
            in_reply_to=message_id(ack_of(emailed_case)),
            references=f"<first@client.example> {message_id(ack_of(emailed_case))}",
            attachments=[("log.txt", "오류 로그\n".encode("cp949"), "text/plain")],
        )
    )
    poll()

    assert Request.objects.count() == 1
    emailed_case.refresh_from_db()
    assert emailed_case.status == "in_progress"
    reply = Activity.objects.get(request=emailed_case, kind="customer_message")
    assert (reply.channel, reply.text, reply.public) == ("email", "재부팅 후에도 같습니다.", True)
    assert InboundMessage.objects.filter(outcome="reply", request=emailed_case).count() == 1
    assert emailed_case.attachments.filter(original_name="log.txt").exists()


def test_the_files_of_an_emailed_reply_hang_on_its_line_for_the_customer_and_the_desk(
    dovecot, emailed_case, client
):
    dovecot.deliver(
        email_bytes(
            subject=f"Re: [{emailed_case.tracking_code}]",
            body="로그를 붙입니다.",
            attachments=[("log.txt", "오류 로그\n".encode(), "text/plain")],
        )
    )
    poll()

    reply = Activity.objects.get(request=emailed_case, kind="customer_message")
    [file] = emailed_case.attachments.all()
    assert file.activity == reply
    # The tracking page: the file under the reply's line, fetched through the customer's session.
    client.post(
        "/track/", {"tracking_code": emailed_case.tracking_code, "email": "minji@kbsec.example"}
    )
    page = html.unescape(client.get(f"/track/{emailed_case.tracking_code}/").content.decode())
    link = f"/track/{emailed_case.tracking_code}/attachments/{file.pk}/"
    line = page[page.index("로그를 붙입니다.") :].split("</ol>")[0].split("public-entry ")[0]
    assert link in line
    assert b"".join(client.get(link).streaming_content) == "오류 로그\n".encode()
    # The desk's timeline: the file on the reply's line.
    client.force_login(member_of("net-support", "desk.mail"))
    timeline = client.get(f"/desk/requests/{emailed_case.pk}/").content.decode()
    line = timeline[timeline.index("로그를 붙입니다.") :].split("</td>")[0]
    assert f"/desk/requests/{emailed_case.pk}/attachments/{file.pk}/" in line


def test_the_tracking_code_in_the_subject_reopens_a_resolved_case(dovecot, emailed_case):
    request_set_status(emailed_case, actor=None, status="resolved")
    dovecot.deliver(
        email_bytes(subject=f"다시 문의 [{emailed_case.tracking_code}]", body="또 끊깁니다.")
    )
    poll()

    emailed_case.refresh_from_db()
    assert emailed_case.status == "in_progress"
    assert emailed_case.activities.filter(event="customer_reopened").exists()


def test_a_colleague_at_the_same_organisation_threads_by_domain(dovecot, emailed_case):
    dovecot.deliver(
        email_bytes(sender="lee@kbsec.example", subject=f"Re: {emailed_case.tracking_code}")
    )
    poll()

    assert Request.objects.count() == 1
    assert emailed_case.activities.filter(kind="customer_message").count() == 1


def test_a_reply_on_a_closed_case_is_refused_politely(dovecot, emailed_case):
    request_set_status(emailed_case, actor=None, status="closed")
    dovecot.deliver(
        email_bytes(
            message_id="<late@client.example>",
            in_reply_to=message_id(ack_of(emailed_case)),
            body="아직 안 됩니다.",
        )
    )
    poll()

    assert not emailed_case.activities.filter(kind="customer_message").exists()
    assert InboundMessage.objects.get(message_id="<late@client.example>").outcome == (
        "refused_closed"
    )
    answer = Notification.objects.get(recipient="minji@kbsec.example", step="message")
    assert emailed_case.tracking_code in answer.subject
    assert "closed" in answer.body
    assert "종결" in answer.body
    assert answer.in_reply_to == "<late@client.example>"


def test_a_forged_in_reply_to_from_a_stranger_makes_a_new_case_with_a_note(dovecot, emailed_case):
    dovecot.deliver(
        email_bytes(
            sender="mallory@evil.example",
            subject=f"Re: {emailed_case.tracking_code}",
            in_reply_to=message_id(ack_of(emailed_case)),
            body="비밀번호를 알려주세요.",
        )
    )
    poll()

    assert not emailed_case.activities.filter(kind="customer_message").exists()
    stranger = Request.objects.exclude(pk=emailed_case.pk).get()
    assert stranger.customer.email == "mallory@evil.example"
    note = stranger.activities.get(kind="note", event="")
    assert emailed_case.tracking_code in note.text
    assert not note.public


def test_an_auto_reply_to_our_acknowledgement_stops_there(dovecot, emailed_case):
    before = Notification.objects.count()
    dovecot.deliver(
        email_bytes(
            subject=f"자동 응답: {ack_of(emailed_case).subject}",
            body="휴가 중입니다.",
            in_reply_to=message_id(ack_of(emailed_case)),
            headers={"Auto-Submitted": "auto-replied"},
        ),
        email_bytes(sender="MAILER-DAEMON@mx.kbsec.example", subject="Undelivered Mail"),
        email_bytes(sender="news@vendor.example", headers={"Precedence": "bulk"}),
        email_bytes(sender="desk@charter.example", subject="our own acknowledgement"),
    )
    poll()

    assert Request.objects.count() == 1
    assert Notification.objects.count() == before  # nothing answered, nobody told
    assert InboundMessage.objects.filter(outcome="automatic").count() == 4
    assert emailed_case.activities.filter(kind="customer_message").count() == 0
    assert "휴가" not in emailed_case.activities.get(kind="note", event="").text
    assert "Auto-Submitted" in emailed_case.activities.get(kind="note", event="").text


@pytest.mark.parametrize("charset", ["euc-kr", "cp949", "iso-2022-kr"])
def test_korean_mail_in_legacy_charsets_decodes(dovecot, charset):
    dovecot.deliver(
        email_bytes(
            subject="계좌 조회 오류",
            body="안녕하세요. 계좌 조회가 안 됩니다.",
            charset=charset,
        )
    )
    poll()

    request = Request.objects.get()
    assert "계좌 조회가 안 됩니다." in request.body


def test_an_euc_kr_subject_and_body_written_by_an_old_client_decode(dovecot):
    body = "요청 드립니다. 똠방각하".encode("cp949")  # 똠 is CP949-only, labelled EUC-KR
    raw = raw_email(
        """
From: =?EUC-KR?B?sejAzsH2?= <minji@kbsec.example>
To: support@charter.example
Subject: =?EUC-KR?B?xde9usau?=
Message-ID: <old-client@kbsec.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="euc-kr"
Content-Transfer-Encoding: 8bit
"""
    )
    dovecot.deliver(raw + b"\r\n" + body + b"\r\n")
    poll()

    request = Request.objects.get()
    assert request.subject == "테스트"
    assert request.customer.name == "김인지"
    assert "똠방각하" in request.body


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"0" * (50 * 1024 * 1024))
        archive.writestr("word/document.xml", b"<w/>")
    return buffer.getvalue()


QUARANTINED = {
    "malformed": raw_email(
        """
From: minji@kbsec.example
Subject: broken
Message-ID: <broken@kbsec.example>
MIME-Version: 1.0
Content-Type: multipart/mixed

no boundary at all
"""
    ),
    "charset": raw_email(
        """
From: minji@kbsec.example
Subject: klingon
Message-ID: <klingon@kbsec.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="x-klingon"

Qapla'
"""
    ),
    "no_sender": email_bytes(sender=""),
    "virus": email_bytes(attachments=[("invoice.pdf.exe", b"MZ\x90\x00rest", "application/pdf")]),
    "virus (zip bomb)": email_bytes(
        attachments=[
            (
                "report.docx",
                _zip_bomb(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
        ]
    ),
}


@pytest.mark.parametrize("case", sorted(QUARANTINED))
def test_messages_we_cannot_take_go_to_quarantine_with_the_reason(dovecot, case, admin_client):
    dovecot.deliver(QUARANTINED[case])
    poll()

    assert not Request.objects.exists()
    record = InboundMessage.objects.get()
    assert record.outcome == "quarantined"
    assert record.reason.startswith(case.split()[0])
    assert raw_of(record) == QUARANTINED[case].replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
    assert dovecot.unseen() == []  # never read again, never dropped
    page = admin_client.get("/admin/requests_desk/quarantinedmessage/")
    assert page.status_code == 200
    assert html.escape(record.reason[:30]) in page.content.decode()


def test_an_oversized_message_goes_to_quarantine(dovecot, settings):
    settings.CHARTER_MAIL_MAX_BYTES = 64 * 1024
    dovecot.deliver(email_bytes(attachments=[("big.pdf", PDF + b"0" * 100_000, "application/pdf")]))
    poll()

    record = InboundMessage.objects.get()
    assert (record.outcome, record.reason.split(":")[0]) == ("quarantined", "oversized")
    assert record.size > 100_000
    assert not Request.objects.exists()


def test_the_same_message_twice_makes_one_case(dovecot, kb):
    message = email_bytes(message_id="<twice@kbsec.example>")
    dovecot.deliver(message, message)
    poll()
    dovecot.deliver(message)
    poll()

    assert Request.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_message_another_poll_records_meanwhile_leaves_no_file_behind(dovecot):
    """Another poll records the same message between this poll's look-up and its insert:
    this poll waits on the other's row, yields to it, and writes no raw file of its own."""
    dovecot.deliver(email_bytes(message_id="<meanwhile@kbsec.example>"))
    other = psycopg2.connect(database_url())  # the other poll, its record not yet committed
    key = "m:" + hashlib.sha256(b"<meanwhile@kbsec.example>").hexdigest()
    with other.cursor() as cursor:
        cursor.execute(
            "INSERT INTO requests_desk_inboundmessage (key, message_id, mailbox, uid, sender,"
            " subject, size, raw, received_at, outcome, reason) VALUES (%s,"
            " '<meanwhile@kbsec.example>', 'other', '1', '', '', 1, 'mail/other.eml', now(),"
            " 'new_case', '')",
            [key],
        )
    waited = []

    def commit_once_the_poll_waits():
        with other.cursor() as cursor:

            def poll_waits():
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                return cursor.fetchone()[0]

            try:
                waited.append(wait_until(poll_waits, timeout=60, what="the poll waiting"))
            finally:
                other.commit()

    committer = threading.Thread(target=commit_once_the_poll_waits)
    committer.start()
    try:
        assert poll() == 1
        committer.join(timeout=60)

        assert waited, "the poll never waited on the other's record"
        assert InboundMessage.objects.get().mailbox == "other"
        assert not Request.objects.exists()
        assert not dovecot.unseen()
        assert not list(Path(settings.CHARTER_PRIVATE_MEDIA_ROOT).rglob("*.eml"))
    finally:
        committer.join(timeout=60)
        with other.cursor() as cursor:
            cursor.execute("DELETE FROM requests_desk_inboundmessage WHERE key = %s", [key])
        other.commit()
        other.close()


def test_a_crash_between_the_record_and_the_flag_reads_it_again_without_a_second_case(dovecot):
    dovecot.deliver(email_bytes(message_id="<crash@kbsec.example>"))
    [uid] = dovecot.unseen()
    # The record committed, then the poll died before marking the message read.
    mail_ingest(raw=email_bytes(message_id="<crash@kbsec.example>"), mailbox="imap", uid=uid)

    poll()

    assert Request.objects.count() == 1
    assert dovecot.unseen() == []


def test_a_message_without_message_id_is_recognised_by_its_content(dovecot):
    raw = raw_email(
        """
From: minji@kbsec.example
Subject: no id
Date: Tue, 13 Oct 2026 10:00:00 +0900

hello
"""
    )
    dovecot.deliver(raw, raw)
    poll()

    assert Request.objects.count() == 1


def test_an_imap_server_that_is_down_is_retried_with_back_off(dovecot, settings):
    settings.CHARTER_MAIL_IMAP_PORT = 1  # nothing listens there: connection refused
    from celery.exceptions import Retry

    with pytest.raises(Retry) as retry:
        tasks.poll_mail.apply(throw=True).get()
    assert retry.value.when == settings.CHARTER_MAIL_RETRY_BASE_SECONDS


def test_a_server_too_slow_to_answer_is_retried_too(dovecot, settings):
    from celery.exceptions import Retry

    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.CHARTER_MAIL_IMAP_PORT = silent.getsockname()[1]
        settings.CHARTER_MAIL_IMAP_TIMEOUT = 1
        with pytest.raises(Retry):
            tasks.poll_mail.apply(throw=True).get()


def test_healthz_reports_the_last_poll_and_fails_after_15_minutes_without_one(
    dovecot, client, settings
):
    with time_machine.travel(kst(2026, 10, 13, 10, 0), tick=False):
        poll()
        body = client.get("/healthz").json()
        assert body["last_mail_poll"] == "2026-10-13T01:00:00+00:00"
    settings.CHARTER_MAIL_IMAP_PORT = 1  # the server is gone from here on
    with time_machine.travel(kst(2026, 10, 13, 10, 14), tick=False):
        response = client.get("/healthz")
        assert response.status_code == 200, response.json()
    with time_machine.travel(kst(2026, 10, 13, 10, 16), tick=False):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert "mailbox imap/INBOX not read for 15 minutes" in response.json()["reason"]


def test_local_mode_reads_the_maildir(settings, tmp_path):
    settings.CHARTER_MAIL_THREADS = 1
    settings.CHARTER_MAIL_SHARDS = 1
    settings.CHARTER_MAIL_IMAP_HOST = ""
    settings.CHARTER_MAIL_MAILDIR = str(tmp_path / "mail-in")
    settings.CHARTER_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (tmp_path / "mail-in" / "new").mkdir(parents=True)
    (tmp_path / "mail-in" / "new" / "1700000000.M1P1.host").write_bytes(email_bytes())

    assert poll() == 1
    assert poll() == 0

    assert Request.objects.get().channel == "email"
    assert [p.name for p in (tmp_path / "mail-in" / "cur").iterdir()] == [
        "1700000000.M1P1.host:2,S"
    ]


def test_admins_keep_routing_rules_that_say_something(admin_client):
    page = admin_client.post("/admin/requests_desk/mailroute/add/", {"position": 1, "active": "on"})
    assert page.status_code == 200
    assert "errornote" in page.content.decode()
    assert not MailRoute.objects.exists()


def test_one_poll_reads_whole_batches_up_to_its_limit_and_the_next_reads_on(dovecot, settings):
    settings.CHARTER_MAIL_BATCH = 2
    settings.CHARTER_MAIL_MAX_PER_POLL = 3
    dovecot.deliver(*(email_bytes(subject=f"batch {n}") for n in range(5)))

    assert poll() == 4  # two batches of two: the limit is reached inside the second
    assert poll() == 1

    assert Request.objects.count() == 5


def test_the_polls_threads_keep_their_connections_through_the_poll_and_close_them_after(
    dovecot, transactional_db, settings
):
    """Committed for real, by four threads: 8 cases, and no connection of theirs left open."""
    settings.CHARTER_MAIL_THREADS = 4
    dovecot.deliver(*(email_bytes(sender=f"c{n}@org{n}.example") for n in range(8)))

    def backends() -> int:
        with psycopg2.connect(database_url()) as other, other.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            count = cursor.fetchone()[0]
        other.close()
        return count

    before = backends()
    assert poll() == 8

    assert Request.objects.count() == 8
    assert not dovecot.unseen()
    assert backends() == before
