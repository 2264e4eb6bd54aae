"""Fixtures of the inbound e-mail tests: a real Dovecot (one per session, emptied per test)
and the portal's settings pointing at it; and a mail exchanger that takes mail by SMTP into it."""

import smtplib

import pytest
from aiosmtpd.controller import Controller

# The fault tests' worker and beat in subprocesses, with their SMTP server and pinned "now".
from tests.notifications.conftest import (  # noqa: F401
    celery_worker_process,
    committed_charter,
    eager_celery,
    free_port,
    pinned_now,
    smtp_server,
)
from tests.requests_desk.mail.dovecot import Dovecot, available


@pytest.fixture(scope="session")
def dovecot_server():
    if not available():
        pytest.fail("Dovecot (Debian's dovecot-imapd) is needed: .ci/run installs it")
    server = Dovecot()
    server.start()
    yield server
    server.close()


@pytest.fixture
def dovecot(dovecot_server, settings, tmp_path):
    """The server with an empty inbox, and the portal reading it (and no Maildir)."""
    if dovecot_server.process is None or dovecot_server.process.poll() is not None:
        dovecot_server.start()
    dovecot_server.empty()
    for name, value in dovecot_server.settings().items():
        setattr(settings, name, value)
    settings.CHARTER_MAIL_MAILDIR = ""
    settings.CHARTER_MAIL_IMAP_ACCOUNTS = []
    # One thread: the others' connections would not see the test's rolled-back transaction.
    settings.CHARTER_MAIL_THREADS = 1
    # The whole mailbox in this process (the shares' own tests read them one by one).
    settings.CHARTER_MAIL_SHARDS = 1
    settings.CHARTER_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.DEFAULT_FROM_EMAIL = "Charter Portal <desk@charter.example>"
    settings.CHARTER_MAIL_ADDRESSES = ["support@charter.example"]
    return dovecot_server


class _IntoTheMailbox:
    """An aiosmtpd handler that puts every message it accepts into the Dovecot inbox, as the
    company's mail exchanger hands mail to the mailbox server."""

    def __init__(self, mailbox: Dovecot):
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):
        self.mailbox.deliver(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_exchanger(dovecot):
    """A customer's mail client: ``send(raw_message)`` hands it over SMTP to a mail exchanger on
    127.0.0.1, which delivers it to the portal's mailbox on the real Dovecot."""
    controller = Controller(_IntoTheMailbox(dovecot), hostname="127.0.0.1", port=free_port())
    controller.start()

    def send(raw: bytes, *, sender: str, to: str = "support@charter.example") -> None:
        with smtplib.SMTP("127.0.0.1", controller.port, timeout=10) as client:
            refused = client.sendmail(sender, [to], raw)
        assert refused == {}, refused

    try:
        yield send
    finally:
        controller.stop()
