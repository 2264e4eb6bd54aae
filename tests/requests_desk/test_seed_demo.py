"""seed_demo: users, customers, requests in several states, and one live support inquiry."""

from io import StringIO

import pytest
from django.core.management import call_command

from commitments.models import Deadline
from requests_desk.demo import DEMO_REQUESTS, HISTORY_DAYS, LIVE_SUPPORT_SUBJECT
from requests_desk.models import Request
from requests_desk.models.voice import SurveyResponse
from tests.seoul import at

HISTORY = HISTORY_DAYS // 3  # past requests, one every three days


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_makes_requests_in_several_divisions_and_states():
    with at(2026, 9, 30, 11, 0):
        seed_demo()

    assert Request.objects.count() == len(DEMO_REQUESTS) + 1 + HISTORY
    assert Request.objects.values("division").distinct().count() >= 4
    states = set(Deadline.objects.values_list("state", flat=True))
    assert {"met", "breached", "paused", "running"} <= states
    assert Request.objects.filter(status="waiting").count() == 1


@pytest.mark.django_db
def test_each_run_keeps_one_live_support_inquiry_open():
    with at(2026, 9, 30, 11, 0):
        seed_demo()
        output = seed_demo()

    assert "still open" in output
    live = Request.objects.get(subject=LIVE_SUPPORT_SUBJECT)
    eta = Deadline.objects.get(subject_id=str(live.pk), commitment_code="common.support-eta")
    assert eta.state == "running"
    assert Request.objects.count() == len(DEMO_REQUESTS) + 1 + HISTORY
    live.status = "closed"
    live.save()
    with at(2026, 9, 30, 12, 0):
        seed_demo()
    assert Request.objects.filter(subject=LIVE_SUPPORT_SUBJECT).count() == 2


@pytest.mark.django_db
def test_the_demo_has_months_of_history_for_the_dashboard_and_the_survey_results(client):
    with at(2026, 9, 30, 11, 0):
        seed_demo()
        results = client.get("/en/surveys/results/").content.decode()

    past = Request.objects.filter(subject__contains="Past request")
    assert past.count() == HISTORY
    months = {r.received_at.month for r in past}
    assert len(months) >= 3
    assert past.filter(status="resolved").count() == HISTORY
    due_states = set(
        Deadline.objects.filter(subject_id__in=[str(r.pk) for r in past]).values_list(
            "state", flat=True
        )
    )
    assert {"met", "breached"} <= due_states
    assert SurveyResponse.objects.count() >= 5
    assert "No results" not in results
