"""What a request keeps of its clocks (``owes_clock``, ``clock_breach_at``, ``next_due_at``) stays
right through every act that changes a clock, so the list's clock filters (which read only
that) put each request where its rows' own clock state (read from the clocks) says."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from commitments.deadlines import deadline_stop
from notifications.sweep import sweep
from requests_desk import cases
from requests_desk.cases.merge import request_merge
from requests_desk.models import Request
from tests.requests_desk.desk_support import clock, new_request
from tests.requests_desk.views_support import signed_in_member
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]

LIST = "/desk/requests/"
STATES = ("breached", "at_risk", "on_track", "none")


@pytest.fixture
def staff(client, charter):
    return signed_in_member(client, "desk.summary")


def listed(client, state: str) -> set[int]:
    return {case.pk for case, _ in client.get(LIST, {"clock": state}).context["rows"]}


def filters_agree(client) -> dict[str, set[int]]:
    """Each clock filter lists exactly the requests whose row (judged from their clocks, as
    the list shows them) is in that state; the requests by state."""
    rows = client.get(LIST).context["rows"]
    by_state: dict[str, set[int]] = {state: set() for state in STATES}
    for case, clocks in rows:
        by_state[clocks.status if clocks else "none"].add(case.pk)
    for state in STATES:
        assert listed(client, state) == by_state[state], state
    return by_state


def kept(request) -> tuple:
    request.refresh_from_db()
    return request.owes_clock, request.clock_breach_at, request.next_due_at


def test_starting_pausing_resuming_and_stopping_keep_it(client, staff):
    with at(2026, 9, 21, 9, 0):  # Mon: feasibility due Mon 18:00 (9 working hours)
        request = new_request(staff)
        assert kept(request) == (True, kst(2026, 9, 21, 18), kst(2026, 9, 21, 18))
        assert request.pk in filters_agree(client)["on_track"]
    with at(2026, 9, 21, 12, 0):
        cases.request_set_status(request, actor=staff, status="waiting")
        # Paused before due: owed, never breached while paused, first in no queue.
        assert kept(request) == (True, None, None)
        assert request.pk in filters_agree(client)["on_track"]
    with at(2026, 9, 22, 10, 0):
        cases.request_set_status(request, actor=staff, status="in_progress")
        assert kept(request) == (True, kst(2026, 9, 22, 16), kst(2026, 9, 22, 16))
        assert request.pk in filters_agree(client)["on_track"]
    with at(2026, 9, 22, 12, 30):  # due within four working hours
        assert request.pk in filters_agree(client)["at_risk"]
    with at(2026, 9, 22, 17, 0):
        assert request.pk in filters_agree(client)["breached"]
        cases.request_set_status(request, actor=staff, status="resolved")
        filters_agree(client)
        cases.request_set_status(request, actor=staff, status="closed")
        assert kept(request) == (False, None, None)
        assert request.pk in filters_agree(client)["none"]


def test_a_clock_paused_at_its_due_instant_counts_as_breached(client, staff):
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff)
    with at(2026, 9, 21, 18, 0):  # paused at the very instant it is due
        cases.request_set_status(request, actor=staff, status="waiting")
        assert clock(request, "common.feasibility").state == "paused"
        assert kept(request) == (True, kst(2026, 9, 21, 18), None)
        assert request.pk in filters_agree(client)["breached"]


def test_closing_and_merging_leave_no_clock_owed(client, staff):
    with at(2026, 12, 2, 10, 0):
        closed = new_request(staff, subject="Closed")
        survivor = new_request(staff, subject="Survivor")
        duplicate = new_request(staff, subject="Duplicate", customer=survivor.customer)
        cases.request_set_status(closed, actor=staff, status="closed")
        request_merge(survivor, actor=staff, absorbed=duplicate)

        assert kept(closed) == (False, None, None)
        assert kept(duplicate) == (False, None, None)
        by_state = filters_agree(client)
    assert {closed.pk, duplicate.pk} <= by_state["none"]
    assert survivor.pk in by_state["on_track"]


def test_the_sweeps_breaches_and_next_cycles_leave_it_right(client, staff):
    with at(2026, 9, 21, 10, 0):
        request = new_request(
            staff, kind="institutional_change", expected_completion=date(2026, 12, 31)
        )
    owed = kept(request)
    with at(2026, 10, 8, 10, 0):  # the 15-day progress cycle is past due
        assert request.pk in filters_agree(client)["breached"]
        result = sweep(now=timezone.now())
        assert result.steps_recorded > 0
        progress = [
            c.state
            for c in cases.request_clocks(request)
            if c.commitment_code == "common.progress-15d"
        ]
        assert progress == ["breached", "running"]  # the next cycle started at the breach
        assert kept(request) == owed  # the breached cycle still owes, from the same instant
        assert request.pk in filters_agree(client)["breached"]


def test_a_clock_stopped_outside_the_desk_is_kept_once_that_commits(
    client, staff, django_capture_on_commit_callbacks
):
    """A delivery stops a clock with no lock on its request: the request is refreshed after
    the commit (here: the callbacks the test runs)."""
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff)
        with django_capture_on_commit_callbacks(execute=True):
            deadline_stop(clock(request, "common.feasibility"), at=timezone.now(), cause="sent")
        assert kept(request) == (False, None, None)
        assert request.pk in filters_agree(client)["none"]


def test_the_periodic_reconciliation_makes_good_what_a_killed_process_lost(client, staff):
    from notifications.tasks import reconcile_report_summaries

    with at(2026, 9, 21, 9, 0):
        late = new_request(staff, received_at=timezone.now() - timedelta(days=3))
        fresh = new_request(staff)
        right = {late.pk: kept(late), fresh.pk: kept(fresh)}
        Request.objects.filter(pk=late.pk).update(owes_clock=False, clock_breach_at=None)
        Request.objects.filter(pk=fresh.pk).update(next_due_at=kst(2030, 1, 1))

        reconcile_report_summaries()

        assert {late.pk: kept(late), fresh.pk: kept(fresh)} == right
        filters_agree(client)


def test_the_clock_filters_run_the_same_queries_for_few_or_many_requests(
    client, staff, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(state: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(LIST, {"clock": state})
        return len(captured.captured_queries)

    with at(2026, 11, 25, 10, 0):
        new_request(staff, kind="support_inquiry")
        new_request(staff, received_at=timezone.now() - timedelta(days=3))
        new_request(staff)
        few = {state: queries(state) for state in STATES}
        for index in range(20):
            new_request(staff, kind="support_inquiry", subject=f"Support {index}")
            new_request(staff, received_at=timezone.now() - timedelta(days=3))
            new_request(staff, subject=f"Fresh {index}")
        for state in STATES:
            with django_assert_max_num_queries(few[state]):
                client.get(LIST, {"clock": state})
        assert len(listed(client, "at_risk")) == 21
        assert len(listed(client, "breached")) == 21
