"""seed_demo's notices: a published suspension notice ten days ahead and a board announcement,
made once."""

from io import StringIO

import pytest
from django.core.management import call_command

from commitments.models import DeadlineState
from notifications.notices.models import Announcement, SuspensionPlan, SuspensionState
from tests.seoul import at, kst

pytestmark = pytest.mark.django_db


def test_it_publishes_one_demo_notice_and_one_announcement_and_no_more_on_a_second_run(client):
    with at(2026, 9, 30, 11, 0):
        first = StringIO()
        call_command("seed_demo", stdout=first)
        call_command("seed_demo", stdout=StringIO())
        home = client.get("/en/").content.decode()

    plan = SuspensionPlan.objects.get()
    assert "demo notices: created 2" in first.getvalue()
    assert plan.state == SuspensionState.PUBLISHED
    assert plan.starts_at == kst(2026, 10, 10, 22)
    assert plan.deadline.state == DeadlineState.MET
    assert plan.lead_days == 10
    assert Announcement.objects.get().published_at == kst(2026, 9, 30, 11)
    assert "[demo] Network regular check-up" in home
    assert "Notice: 10 days before" in home
