"""Fixtures the desk's tests share.

API tests: ``people`` of each role (``api_support.make_people``), ``admin`` signed in as the
admin and ``api`` as a member of Network Support (Infrastructure HO) — a module that means
someone else overrides ``api``. Page tests mark themselves ``usefixtures("korean")``.
"""

from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from django.utils import translation

from notifications.clock import pin_now
from tests.notifications.conftest import CollectingHandler, SmtpServer, free_port
from tests.requests_desk.api_support import client_for, make_people
from tests.seoul import at, kst


@pytest.fixture
def people(charter):
    return make_people()


@pytest.fixture
def admin(people):
    return client_for(people["admin"])


@pytest.fixture
def api(people):
    return client_for(people["staff"])


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Files on cases go to a throw-away directory."""
    settings.CHARTER_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.CHARTER_PRIVATE_MEDIA_ROOT


@pytest.fixture
def staff(client, demo_users):
    """The demo's member of Network Support, signed in on ``client``."""
    client.force_login(demo_users["staff"])
    return demo_users["staff"]


@pytest.fixture
def korean():
    """Pages render, and reverse() answers, in the active language: the default one, Korean."""
    with translation.override("ko"):
        yield


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that the portal's e-mail goes to."""
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield SmtpServer(controller, handler)
    finally:
        controller.stop()


@pytest.fixture
def moment(tmp_path, monkeypatch):
    """Travel to a Seoul instant in this process and in the sweep's and delivery's "now" (the
    database's clock, pinned through a file): ``with moment(2026, 10, 7, 22, 12): …``."""
    path = tmp_path / "pinned-now"
    monkeypatch.setenv("CHARTER_PINNED_NOW_FILE", str(path))

    @contextmanager
    def travel(*args: int):
        pin_now(path=path, at=kst(*args))
        with at(*args):
            yield

    return travel
