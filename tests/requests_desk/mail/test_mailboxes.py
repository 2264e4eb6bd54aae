"""Several mailboxes, one per division (``CHARTER_MAIL_IMAP_ACCOUNTS``), on a real Dovecot: each
is polled, places its mail in its own division unless a routing rule says otherwise, keeps its
own bookkeeping of what it read (UIDVALIDITY and UID) and its own health."""

import pytest

from commitments.models import Team
from requests_desk import tasks
from requests_desk.mail.fetch import MailboxUnavailable, mail_sources
from requests_desk.mail.ingest import mail_ingest
from requests_desk.models import InboundMessage, MailboxHealth, MailRoute, Request
from tests.requests_desk.mail.support import email_bytes
from tests.seoul import at

pytestmark = pytest.mark.usefixtures("charter")


@pytest.fixture
def market_mailbox(dovecot, settings):
    """The market division's own mailbox, beside the shared one."""
    settings.CHARTER_MAIL_IMAP_ACCOUNTS = [
        dovecot.account("market", division="market", team="market-it-infra")
    ]
    return dovecot


def test_each_mailbox_is_read_and_its_mail_goes_to_its_own_division(market_mailbox):
    market_mailbox.deliver(email_bytes(subject="shared inbox"))
    market_mailbox.deliver(email_bytes(subject="market inbox"), user="market")

    assert tasks.poll_mail() == 2

    shared, market = (Request.objects.get(subject=s) for s in ("shared inbox", "market inbox"))
    assert (shared.division.code, shared.team.code) == ("infrastructure", "net-support")
    assert (market.division.code, market.team.code) == ("market", "market-it-infra")
    assert not market_mailbox.unseen()
    assert not market_mailbox.unseen("market")
    # Each record names its mailbox, and the message in it: UIDVALIDITY and UID.
    records = {r.request.subject: r for r in InboundMessage.objects.select_related("request")}
    assert records["market inbox"].mailbox.startswith("imap:market@127.0.0.1:")
    assert records["shared inbox"].mailbox.startswith("imap:desk@127.0.0.1:")
    assert records["market inbox"].uid_validity == market_mailbox.uid_validity("market")
    assert records["shared inbox"].uid_validity == market_mailbox.uid_validity()
    assert all(r.uid for r in records.values())


def test_a_routing_rule_still_places_the_mail_of_a_divisions_mailbox(market_mailbox):
    MailRoute.objects.create(subject_keyword="VPN", team=Team.objects.get(code="net-support"))
    market_mailbox.deliver(email_bytes(subject="VPN down"), user="market")

    tasks.poll_mail()

    assert Request.objects.get(subject="VPN down").team.code == "net-support"


def test_the_same_message_in_two_mailboxes_makes_one_case(market_mailbox):
    message = email_bytes(message_id="<both@kbsec.example>", subject="to both")
    market_mailbox.deliver(message)
    market_mailbox.deliver(message, user="market")

    tasks.poll_mail()

    assert Request.objects.filter(subject="to both").count() == 1
    assert InboundMessage.objects.count() == 1
    assert not market_mailbox.unseen()
    assert not market_mailbox.unseen("market")


def test_a_message_recorded_under_its_uid_is_marked_read_without_reading_it_again(
    market_mailbox,
):
    market_mailbox.deliver(email_bytes(message_id="<died@kbsec.example>"), user="market")
    [uid] = market_mailbox.unseen("market")
    market = next(m for m in mail_sources() if m.label == "market/INBOX")
    # A poll recorded it, then died before marking it read.
    mail_ingest(
        raw=email_bytes(message_id="<died@kbsec.example>"),
        mailbox=market.name,
        uid=uid,
        uid_validity=market_mailbox.uid_validity("market"),
    )

    assert tasks.poll_mail() == 0  # nothing fetched nor read again: only marked read

    assert not market_mailbox.unseen("market")
    assert Request.objects.count() == 1


def test_one_mailbox_down_leaves_the_others_read_and_healthz_names_it(
    market_mailbox, settings, client
):
    settings.CHARTER_MAIL_IMAP_ACCOUNTS = [
        market_mailbox.account("market", password="wrong", division="market")
    ]
    market_mailbox.deliver(email_bytes(subject="still read"))
    for minute in (0, 10):
        refused = pytest.raises(MailboxUnavailable, match="AUTHENTICATIONFAILED")
        with at(2026, 10, 13, 10, minute), refused:
            tasks.poll_mail()  # the market mailbox refuses us (the task retries later)

    assert Request.objects.filter(subject="still read").count() == 1
    with at(2026, 10, 13, 10, 16):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["mailboxes"] == {
        "imap/INBOX": {"last_read": "2026-10-13T01:10:00+00:00", "stale": False},
        "market/INBOX": {"last_read": None, "stale": True},
    }
    assert "mailbox market/INBOX not read for 15 minutes (last: never)" in body["reason"]
    assert "imap/INBOX" not in body["reason"]
    market = MailboxHealth.objects.get(mailbox="market/INBOX")
    assert market.last_read_at is None
    assert market.first_tried_at.isoformat() == "2026-10-13T01:00:00+00:00"
    assert "AUTHENTICATIONFAILED" in market.last_failure


def test_admins_see_each_mailboxs_health(market_mailbox, admin_client):
    with at(2026, 10, 13, 10, 0):
        tasks.poll_mail()

    page = admin_client.get("/admin/requests_desk/mailboxhealth/").content.decode()

    assert "market/INBOX" in page
    assert "imap/INBOX" in page
    assert "127.0.0.1" not in page  # the accounts' addresses are not shown
