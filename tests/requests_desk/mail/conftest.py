"""Fixtures of the inbound e-mail tests: a real Dovecot (one per session, emptied per test)
and the portal's settings pointing at it."""

import pytest

# The fault tests' worker and beat in subprocesses, with their SMTP server and pinned "now".
from tests.notifications.conftest import (  # noqa: F401
    celery_worker_process,
    committed_charter,
    eager_celery,
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
    # One thread: the others' connections would not see the test's rolled-back transaction.
    settings.CHARTER_MAIL_THREADS = 1
    # The whole mailbox in this process (the shares' own tests read them one by one).
    settings.CHARTER_MAIL_SHARDS = 1
    settings.CHARTER_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.DEFAULT_FROM_EMAIL = "Charter Portal <desk@charter.example>"
    settings.CHARTER_MAIL_ADDRESSES = ["support@charter.example"]
    return dovecot_server
