"""Fixtures of the report tests: "now" is Wed 2026-11-25 12:00 KST; ``month`` is the
hand-worked November of :mod:`.report_factories`, its summary kept by the production hooks."""

import pytest
import time_machine

from tests.factories import UserFactory
from tests.requests_desk.reports.report_factories import NOW, november, november_voice


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def month(charter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = november()
        november_voice(made)
    return made


@pytest.fixture
def admin_client(client, charter):
    client.force_login(UserFactory(username="report.admin", is_superuser=True))
    return client


@pytest.fixture
def head_client(client, charter):
    """The head of Infrastructure HO."""
    from commitments.models import Division

    head = UserFactory(username="report.head")
    Division.objects.filter(code="infrastructure").update(head=head)
    client.force_login(head)
    return client


@pytest.fixture
def team_manager_client(client, charter):
    """The manager of Network Support (Infrastructure HO)."""
    from commitments.models import Team

    manager = UserFactory(username="report.manager")
    Team.objects.filter(code="net-support").update(manager=manager)
    client.force_login(manager)
    return client
