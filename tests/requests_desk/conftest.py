"""Fixtures the desk's tests share.

API tests: ``people`` of each role (``api_support.make_people``), ``admin`` signed in as the
admin and ``api`` as a member of Network Support (Infrastructure HO) — a module that means
someone else overrides ``api``. Page tests mark themselves ``usefixtures("korean")``.
"""

import pytest
from django.utils import translation

from tests.requests_desk.api_support import client_for, make_people


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
