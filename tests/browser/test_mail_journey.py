"""The e-mail channel end to end in a real browser: a customer's e-mail, read from a real
Dovecot by the poll task, is in the staff queue with its clock; staff answer it with a canned
reply and a file; the answer reaches a real SMTP server threaded under the customer's e-mail;
the customer's reply to it, sent by SMTP to the mailbox, comes back to the case, on the desk and
on the tracking page.

The clock: an e-mail is a ``support_inquiry`` by default, which owes ``common.support-eta``
10 minutes on the wall clock: received Wed 2 Dec 2026 10:00 KST → due 10:10 KST."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from requests_desk import tasks
from requests_desk.models import Attachment, CannedReply, InboundMessage, Request
from tests.browser.support import answer_with_canned_reply, log_in
from tests.notifications.conftest import pinned_now  # noqa: F401  (a fixture)
from tests.requests_desk.conftest import smtp  # noqa: F401  (a fixture)
from tests.requests_desk.mail.conftest import (  # noqa: F401  (fixtures)
    dovecot,
    dovecot_server,
    mail_exchanger,
)
from tests.requests_desk.mail.support import email_bytes
from tests.requests_desk.public.support import PDF
from tests.seoul import kst

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

CUSTOMER = "minji@kbsec.example"
SUBJECT = "VPN 접속 불가 (메일 접수)"
FIRST_MESSAGE_ID = "<vpn-first@client.example>"
REPLY = "재부팅 후에도 같은 오류가 납니다. 로그를 확인해 주세요."


def sent_to_customer(smtp, tracking_code: str):  # noqa: F811
    """Our answer on the case (the acknowledgement says "접수 확인" instead)."""
    return [
        mail for mail in smtp.to(CUSTOMER) if mail.subject.strip().startswith(f"[{tracking_code}]")
    ]


def test_an_emailed_case_is_answered_in_the_browser_and_the_customers_reply_threads_back(
    live_server,
    page: Page,
    dovecot,  # noqa: F811
    mail_exchanger,  # noqa: F811
    smtp,  # noqa: F811
    pinned_now,  # noqa: F811
    tmp_path,
):
    base = live_server.url
    reply = CannedReply.objects.create(
        title="처리 예정 안내",
        purpose="eta",
        language="ko",
        body="{customer}님, 접수번호 {tracking_code} 건은 30분 안에 처리됩니다.",
    )
    plan = tmp_path / "조치계획.pdf"
    plan.write_bytes(PDF)

    with time_machine.travel(kst(2026, 12, 2, 10, 0), tick=True):
        # The customer's e-mail goes by SMTP to the mailbox; the poll task makes it a case.
        mail_exchanger(
            email_bytes(
                sender=f"Kim Minji <{CUSTOMER}>",
                subject=SUBJECT,
                body="오늘 아침부터 VPN에 접속할 수 없습니다.",
                message_id=FIRST_MESSAGE_ID,
            ),
            sender=CUSTOMER,
        )
        assert tasks.poll_mail() == 1
        case = Request.objects.get(subject=SUBJECT)
        code = case.tracking_code
        assert case.channel == "email"
        assert case.received_at >= kst(2026, 12, 2, 10, 0)

        # Staff see it in their queue with its clock: due 10 minutes after it was read.
        log_in(page, base, "staff", "/desk/")
        row = page.locator("#queue tr", has_text=SUBJECT)
        expect(row).to_be_visible()
        expect(row).to_contain_text(code)
        expect(row).to_contain_text("common.support-eta")
        due = timezone.localtime(case.received_at + timedelta(minutes=10))
        expect(row.locator("time")).to_have_attribute("datetime", due.isoformat())

        # They answer from the canned reply, by e-mail, with a file.
        row.get_by_role("link", name=SUBJECT).click()
        eta = page.locator('#clocks tr[data-commitment="common.support-eta"]')
        expect(eta).to_have_attribute("data-state", "running")
        answer_with_canned_reply(
            page,
            reply=reply,
            reads=f"Kim Minji님, 접수번호 {code} 건은 30분 안에 처리됩니다",
            purpose="eta",
            channel="email",
            file=plan,
        )

        # The delivery pass sends the acknowledgement and the answer to the SMTP server, five
        # minutes after the e-mail came: inside the 10 minutes, so the clock is met.
        pinned_now.set(kst(2026, 12, 2, 10, 5))
        call_command("deliver_notifications", verbosity=0)
        pinned_now.clear()
        smtp.wait_for(2, timeout=30)
        [answer] = sent_to_customer(smtp, code)
        headers = answer.message
        assert re.fullmatch(rf"<request-{case.pk}\.n\d+@charter\.example>", answer.message_id)
        assert headers["In-Reply-To"] == FIRST_MESSAGE_ID
        references = headers["References"].split()
        assert references[0] == FIRST_MESSAGE_ID
        assert answer.message_id not in references
        [ack] = [mail for mail in smtp.to(CUSTOMER) if mail is not answer]
        assert ack.message_id in references  # our acknowledgement came first
        assert "30분 안에 처리됩니다" in headers.get_body(("plain",)).get_content()
        [attached] = list(headers.iter_attachments())
        assert attached.get_filename() == "조치계획.pdf"
        assert attached.get_content() == PDF

        # The customer answers from their mail client, by SMTP: it threads back to the case.
        mail_exchanger(
            email_bytes(
                sender=f"Kim Minji <{CUSTOMER}>",
                subject=f"Re: {answer.subject.strip()}",
                body=REPLY,
                in_reply_to=answer.message_id,
                references=f"{FIRST_MESSAGE_ID} {answer.message_id}",
                attachments=[("오류로그.txt", "접속 오류 로그\n".encode(), "text/plain")],
            ),
            sender=CUSTOMER,
        )
        assert tasks.poll_mail() == 1
        assert Request.objects.filter(customer__email=CUSTOMER).count() == 1
        assert InboundMessage.objects.filter(outcome="reply", request=case).count() == 1

        page.reload()
        expect(eta).to_have_attribute("data-state", "met")
        reply_line = page.locator('#timeline tr[data-kind="customer_message"]', has_text=REPLY)
        expect(reply_line).to_be_visible()
        expect(page.locator("#attachments")).to_contain_text("오류로그.txt")
        assert Attachment.objects.filter(request=case, from_customer=True).count() == 1
        page.locator("nav form[action$='/logout/'] button").click()

        # The customer follows the case on the tracking page: our answer and their reply.
        page.context.clear_cookies()
        page.goto(f"{base}/track/")
        page.locator("#id_tracking_code").fill(code)
        page.locator("#id_email").fill(CUSTOMER)
        page.locator("#id_email").press("Enter")
        expect(page).to_have_url(f"{base}/track/{code}/")
        timeline = page.locator("#public-timeline")
        expect(timeline.locator('[data-kind="communication"]')).to_contain_text(
            "30분 안에 처리됩니다"
        )
        expect(timeline.locator('[data-kind="customer_message"]')).to_contain_text(REPLY)
