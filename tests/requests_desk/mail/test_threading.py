"""What we send about a case threads in the customer's mail client: a stable Message-ID that
names the case's outbox row, In-Reply-To/References of the conversation (the customer's own
e-mail first), and the tracking code in the subject."""

import pytest

from notifications.channels.email import message_id, notification_of
from notifications.delivery import deliver_notification
from notifications.models import Notification
from requests_desk import cases
from requests_desk.mail.ingest import mail_ingest
from requests_desk.models import Request
from tests.requests_desk.desk_support import member_of
from tests.requests_desk.mail.support import email_bytes

pytestmark = pytest.mark.usefixtures("charter")


@pytest.fixture
def emailed(settings, tmp_path):
    settings.CHARTER_PRIVATE_MEDIA_ROOT = tmp_path
    settings.DEFAULT_FROM_EMAIL = "Charter Portal <desk@charter.example>"
    mail_ingest(raw=email_bytes(message_id="<asked@client.example>"), mailbox="test")
    return Request.objects.get()


def send(notification: Notification, mailoutbox):
    assert deliver_notification(notification_id=notification.pk) == "sent"
    return mailoutbox[-1]


def test_the_acknowledgement_answers_the_customers_email(emailed, mailoutbox):
    ack = Notification.objects.get(idempotency_key=f"request:{emailed.pk}:ack")

    mail = send(ack, mailoutbox)

    assert mail.extra_headers["Message-ID"] == f"<request-{emailed.pk}.n{ack.pk}@charter.example>"
    assert mail.extra_headers["In-Reply-To"] == "<asked@client.example>"
    assert mail.extra_headers["References"] == "<asked@client.example>"
    assert emailed.tracking_code in mail.subject
    assert notification_of(mail.extra_headers["Message-ID"]) == ack.pk


def test_our_next_answer_continues_the_conversation(emailed, mailoutbox):
    ack = Notification.objects.get(idempotency_key=f"request:{emailed.pk}:ack")
    send(ack, mailoutbox)
    staff = member_of("net-support", "desk.staff")
    activity = cases.request_communicate(
        emailed, actor=staff, purpose="eta", channel="email", summary="30분 안에 복구됩니다."
    )
    answer = Notification.objects.get(idempotency_key__endswith=f":message:{activity.pk}")

    mail = send(answer, mailoutbox)

    assert mail.extra_headers["In-Reply-To"] == "<asked@client.example>"
    assert mail.extra_headers["References"] == f"<asked@client.example> {message_id(ack)}"
    assert f"[{emailed.tracking_code}]" in mail.subject
    # Every attempt of a row carries the same Message-ID.
    assert message_id(answer) == mail.extra_headers["Message-ID"]


def test_only_our_own_domain_names_our_messages(settings):
    settings.DEFAULT_FROM_EMAIL = "desk@charter.example"
    assert notification_of("<request-4.n17@charter.example>") == 17
    assert notification_of("<notification.17@charter.example>") == 17
    assert notification_of("<request-4.n17@evil.example>") is None
    assert notification_of("<17@charter.example>") is None
