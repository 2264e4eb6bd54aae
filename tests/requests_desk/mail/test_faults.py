"""Inbound e-mail under faults, end to end: a real Dovecot, a real Celery worker and beat in
subprocesses polling it, killed with SIGKILL twice mid-stream, and the IMAP server restarted
once while they poll. Every message becomes exactly one case or one reply."""

import pytest

from requests_desk.mail.ingest import mail_ingest
from requests_desk.models import Activity, InboundMessage, MailRoute, Request
from tests.factories import OrganisationFactory
from tests.notifications.conftest import wait_until
from tests.requests_desk.mail.support import email_bytes

pytestmark = [pytest.mark.slow]

NEW, REPLIES, EARLIER = 150, 50, 10


def ingested() -> int:
    return InboundMessage.objects.count()


def test_200_messages_survive_two_worker_kills_and_an_imap_restart(
    dovecot, committed_charter, celery_worker_process, settings
):
    MailRoute.objects.create(
        sender_domain="kbsec.example", organisation=OrganisationFactory(name="KB증권")
    )
    # Ten cases opened earlier, which fifty of the messages answer (by tracking code).
    for n in range(EARLIER):
        mail_ingest(
            raw=email_bytes(sender=f"c{n}@kbsec.example", subject=f"earlier {n}"), mailbox="t"
        )
    earlier = list(Request.objects.order_by("pk"))
    messages = [
        email_bytes(sender=f"new{n}@kbsec.example", subject=f"fault {n}") for n in range(NEW)
    ] + [
        email_bytes(
            sender=earlier[n % EARLIER].customer.email,
            subject=f"Re: [{earlier[n % EARLIER].tracking_code}] reply {n}",
            body=f"reply {n}",
        )
        for n in range(REPLIES)
    ]
    chunks = [messages[i : i + 50] for i in range(0, len(messages), 50)]

    topology = celery_worker_process
    topology.env.update(
        {
            name: str(value)
            for name, value in dovecot.settings().items()
            if name != "CHARTER_MAIL_IMAP_FOLDERS"
        },
        CHARTER_MAIL_IMAP_SSL="false",
        CHARTER_MAIL_POLL_INTERVAL="1",
        CHARTER_MAIL_BATCH="5",
        # Two shares, one per worker process: each kill stops both in the middle of theirs.
        CHARTER_MAIL_SHARDS="2",
        CHARTER_MAIL_RETRY_BASE_SECONDS="1",
        CHARTER_PRIVATE_MEDIA_ROOT=str(settings.CHARTER_PRIVATE_MEDIA_ROOT),
        DEFAULT_FROM_EMAIL=settings.DEFAULT_FROM_EMAIL,
    )
    topology.start()
    base = ingested()

    # 1. Fifty arrive; the worker dies in the middle of reading them.
    dovecot.deliver(*chunks[0])
    wait_until(lambda: ingested() >= base + 10, timeout=60, what="the first messages read")
    topology.kill9()
    # 2. Fifty more arrive while it is down; it comes back.
    dovecot.deliver(*chunks[1])
    topology.start()
    wait_until(lambda: ingested() >= base + 60, timeout=60, what="reading after the first kill")
    # 3. The IMAP server restarts while the worker polls; fifty more after it is back.
    dovecot.restart()
    dovecot.deliver(*chunks[2])
    wait_until(lambda: ingested() >= base + 110, timeout=60, what="reading after the restart")
    # 4. The worker dies again with the last fifty arriving, and comes back.
    dovecot.deliver(*chunks[3])
    topology.kill9()
    topology.start()
    wait_until(lambda: ingested() == base + 200, timeout=90, what="all 200 messages read")
    wait_until(lambda: not dovecot.unseen(), timeout=30, what="every message marked read")

    records = InboundMessage.objects.exclude(mailbox="t")
    assert records.count() == 200
    assert set(records.values_list("outcome", flat=True)) == {"new_case", "reply"}
    assert records.filter(outcome="new_case").count() == NEW
    new_cases = Request.objects.filter(subject__startswith="fault ")
    assert new_cases.count() == NEW
    assert new_cases.values("subject").distinct().count() == NEW
    replies = Activity.objects.filter(kind="customer_message", channel="email")
    assert replies.count() == REPLIES
    assert replies.values("text").distinct().count() == REPLIES
    assert Request.objects.count() == EARLIER + NEW
