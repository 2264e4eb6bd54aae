"""A mailbox read in shares (``CHARTER_MAIL_SHARDS``), by several processes at once, against a
real Dovecot: each share is read by one poll at a time, the shares together read everything,
and two polls that read the same messages at the same moment still make one case of each."""

import os
import subprocess
import sys

import psycopg2
import pytest

from requests_desk import tasks
from requests_desk.mail.fetch import mail_sources, share_lock_key
from requests_desk.models import InboundMessage, Request
from tests.notifications.conftest import ROOT, database_url, wait_until, worker_redis_url
from tests.requests_desk.mail.support import email_bytes
from tests.seoul import at


def mailbox_name() -> str:
    return mail_sources()[0].name


def uids_read() -> list[int]:
    return sorted(int(uid) for uid in InboundMessage.objects.values_list("uid", flat=True))


@pytest.mark.usefixtures("charter")
def test_the_shares_split_the_mailbox_by_uid_and_together_read_it_all(dovecot):
    dovecot.deliver(*(email_bytes(subject=f"share {n}") for n in range(12)))

    assert tasks.poll_mail_share(0, 2) == 6
    assert {uid % 2 for uid in uids_read()} == {0}
    assert len(dovecot.unseen()) == 6
    assert tasks.poll_mail_share(1, 2) == 6

    assert len(set(uids_read())) == 12
    assert Request.objects.filter(subject__startswith="share ").count() == 12
    assert not dovecot.unseen()
    assert tasks.poll_mail_share(0, 2) == tasks.poll_mail_share(1, 2) == 0


@pytest.mark.usefixtures("charter")
def test_a_share_another_poll_holds_is_left_to_it(dovecot):
    dovecot.deliver(*(email_bytes(subject=f"held {n}") for n in range(4)))
    other = psycopg2.connect(database_url())  # another process's poll, reading share 0
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [share_lock_key(mailbox_name(), 0, 2)])

        assert tasks.poll_mail_share(0, 2) == 0
        assert tasks.poll_mail_share(1, 2) == 2
        assert len(dovecot.unseen()) == 2
    finally:
        other.close()  # its connection gone, the lock goes with it

    assert tasks.poll_mail_share(0, 2) == 2
    assert Request.objects.filter(subject__startswith="held ").count() == 4


@pytest.mark.usefixtures("charter")
def test_a_share_left_to_another_poll_is_not_a_read_for_healthz(dovecot, settings, client):
    """The poll that holds share 0 is stuck: the polls that find it held read nothing of it,
    so the mailbox is not called read, and /healthz turns red after 15 minutes."""
    settings.CHARTER_MAIL_SHARDS = 2
    dovecot.deliver(*(email_bytes(subject=f"stuck {n}") for n in range(4)))
    stuck = psycopg2.connect(database_url())
    try:
        with stuck.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [share_lock_key(mailbox_name(), 0, 2)])
        for minute in (0, 5, 10, 15):
            with at(2026, 10, 13, 10, minute):
                tasks.poll_mail_share(0, 2)
                tasks.poll_mail_share(1, 2)
        with at(2026, 10, 13, 10, 16):
            response = client.get("/healthz")
    finally:
        stuck.close()

    assert response.status_code == 503, response.json()
    assert response.json()["mailboxes"]["imap/INBOX"] == {"last_read": None, "stale": True}
    assert "mailbox imap/INBOX not read for 15 minutes (last: never)" in response.json()["reason"]
    # The stuck poll gone, the next reads share 0 and the mailbox is healthy again.
    with at(2026, 10, 13, 10, 20):
        assert tasks.poll_mail_share(0, 2) == 2
        tasks.poll_mail_share(1, 2)
        assert client.get("/healthz").json()["mailboxes"]["imap/INBOX"] == {
            "last_read": "2026-10-13T01:20:00+00:00",
            "stale": False,
        }


@pytest.mark.usefixtures("charter")
def test_the_poll_hands_each_share_to_a_task_of_its_own(dovecot, settings, eager_celery):
    settings.CHARTER_MAIL_SHARDS = 3
    dovecot.deliver(*(email_bytes(subject=f"fan {n}") for n in range(7)))

    assert tasks.poll_mail() == 0  # it reads nothing itself

    assert Request.objects.filter(subject__startswith="fan ").count() == 7
    assert len(uids_read()) == len(set(uids_read())) == 7
    assert not dovecot.unseen()


# Polls in processes of their own, waiting for the word to go: each prints what it read.
POLLER = """
import os, sys, time
import django
django.setup()
from requests_desk import tasks
ready, go, shards = sys.argv[1], sys.argv[2], int(sys.argv[3])
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.01)
print(sum(tasks.poll_mail_share(shard, shards) for shard in range(shards)))
"""


@pytest.mark.slow
def test_two_polls_reading_the_same_messages_at_once_make_one_case_of_each(
    dovecot, committed_charter, settings, tmp_path
):
    """Two processes, four threads each, over the same 60 messages at the same moment: one
    reads the mailbox whole, the other in two shares (as while the share count is being
    changed), so no lock keeps them apart; only the records' unique key does."""
    count = 60
    dovecot.deliver(
        *(email_bytes(sender=f"c{n}@race.example", subject=f"race {n}") for n in range(count))
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        **{name: str(value) for name, value in dovecot.settings().items()},
        "CHARTER_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "charter_portal.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": worker_redis_url(),
        "CHARTER_MAIL_IMAP_SSL": "false",
        "CHARTER_MAIL_IMAP_FOLDERS": "INBOX",
        "CHARTER_MAIL_THREADS": "4",
        "CHARTER_PRIVATE_MEDIA_ROOT": str(settings.CHARTER_PRIVATE_MEDIA_ROOT),
        "PYTHONPATH": str(ROOT),
    }
    go = tmp_path / "go"
    polls = [
        subprocess.Popen(
            [sys.executable, "-c", POLLER, str(tmp_path / f"ready{n}"), str(go), str(shares)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, shares in enumerate((1, 2))
    ]
    try:
        wait_until(
            lambda: all((tmp_path / f"ready{n}").exists() for n in range(2)),
            timeout=60,
            what="both polls ready",
        )
        go.touch()
        outputs = [poll.communicate(timeout=300) for poll in polls]
    finally:
        for poll in polls:
            if poll.poll() is None:
                poll.kill()
                poll.wait()
    for poll, (_out, err) in zip(polls, outputs, strict=True):
        assert poll.returncode == 0, err[-3000:]
    read = [int(out.split()[-1]) for out, _err in outputs]

    # Both listed the messages before either marked them read: they read many of them twice.
    assert sum(read) > count, read
    records = InboundMessage.objects.filter(subject__startswith="race ")
    assert records.count() == count
    assert set(records.values_list("outcome", flat=True)) == {"new_case"}
    cases = Request.objects.filter(subject__startswith="race ")
    assert cases.count() == count
    assert cases.values("subject").distinct().count() == count
    assert not dovecot.unseen()
