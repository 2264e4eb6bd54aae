"""A closed period's figures do not move when the catalogue or a calendar is edited later."""

from datetime import time

import pytest
from django.core.management import call_command

from commitments.models import Calendar, Closure, Commitment, WorkingHours

DASHBOARD = "/en/reports/?division=infrastructure&day=2026-11-01"


def snapshot(client):
    board = client.get(DASHBOARD).context["board"]
    return [
        (
            r.code,
            r.met,
            r.breached,
            r.running,
            r.cancelled,
            r.buckets,
            sorted(t.digest for t in r.terms),
        )
        for r in board.commitments
        if not r.is_empty
    ]


@pytest.mark.usefixtures("month")
def test_editing_the_target_and_the_calendar_later_changes_nothing(admin_client, month):
    before = snapshot(admin_client)
    commitment = Commitment.objects.get(code="test.report-100")
    commitment.target_minutes = 5
    commitment.save()
    feedback = Commitment.objects.get(code="voice.complaint-feedback")
    feedback.target_minutes = 60
    feedback.save()
    calendar = Calendar.objects.get(code="kr-public")
    WorkingHours.objects.filter(calendar=calendar).update(opens=time(10), closes=time(16))
    Closure.objects.create(calendar=calendar, day=month.clocks["late"].due_at.date(), reason="test")
    # Even a rebuild from the clocks gives the same: they keep their frozen terms and instants.
    call_command("rebuild_report_summaries", verbosity=0)
    assert snapshot(admin_client) == before
