"""Fixtures the desk's tests share.

API tests: ``people`` of each role (``api_support.make_people``), ``admin`` signed in as the
admin and ``api`` as a member of Network Support (Infrastructure HO) — a module that means
someone else overrides ``api``. Page tests mark themselves ``usefixtures("korean")``.
"""

from contextlib import contextmanager

import pytest
from django.utils import translation

from notifications.clock import pin_now
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


@pytest.fixture
def korean():
    """Pages render, and reverse() answers, in the active language: the default one, Korean."""
    with translation.override("ko"):
        yield


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
