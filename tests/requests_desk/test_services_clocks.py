"""Status life cycle, transfers, the timeline, and concurrent edits."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment, Team
from requests_desk import cases
from requests_desk.cases import DeskError, StaleEdit
from requests_desk.models import Activity, Request
from tests.factories import UserFactory
from tests.requests_desk.desk_support import clock, clocks, member_of, new_request
from tests.seoul import at, kst

pytestmark = pytest.mark.usefixtures("charter")


@pytest.fixture
def staff():
    return member_of("net-support", "desk.staff")


def team(code: str) -> Team:
    return Team.objects.get(code=code)


def status(request, actor, value, **kwargs):
    return cases.request_set_status(request, actor=actor, status=value, **kwargs)


def test_waiting_pauses_pausable_clocks_and_others_keep_running(staff):
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff, kind="bcp_trouble")  # elapsed, no pause
        cases.request_update(request, actor=staff, kind="modification")
        request = new_request(staff, kind="modification", requested_due=date(2026, 10, 8))
    with at(2026, 9, 21, 12, 0):
        status(request, staff, "waiting")

    assert clock(request, "common.feasibility").state == "paused"
    assert clock(request, "common.institutional-change").state == "running"
    request.refresh_from_db()
    assert request.next_due_at == kst(2026, 10, 8, 18, 0)  # paused clocks do not count


def test_leaving_waiting_resumes_with_the_paused_working_time_added(staff):
    # Mon 9:00 + 9 h → Mon 18:00; waiting Mon 12:00 → Tue 10:00 is 7 working hours paused,
    # so the 6 h left at the pause run from Tue 10:00 → Tue 16:00.
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff)
    with at(2026, 9, 21, 12, 0):
        status(request, staff, "waiting")
    with at(2026, 9, 22, 10, 0):
        status(request, staff, "in_progress")

    feasibility = clock(request, "common.feasibility")
    assert feasibility.state == "running"
    assert feasibility.due_at == kst(2026, 9, 22, 16, 0)
    request.refresh_from_db()
    assert request.next_due_at == kst(2026, 9, 22, 16, 0)


def test_a_status_change_dated_before_the_last_one_is_refused_and_counts_nothing_twice(staff):
    # Waiting Mon 10:00 → 11:00; at 12:00 someone back-dates "waiting" to 10:30.
    with at(2026, 9, 28, 9, 0):
        request = new_request(staff)  # feasibility due Mon 18:00
    with at(2026, 9, 28, 10, 0):
        status(request, staff, "waiting")
    with at(2026, 9, 28, 11, 0):
        status(request, staff, "in_progress")
    with at(2026, 9, 28, 12, 0), pytest.raises(DeskError) as refused:
        status(request, staff, "waiting", at=kst(2026, 9, 28, 10, 30))

    assert "at" in refused.value.message_dict
    feasibility = clock(request, "common.feasibility")
    assert feasibility.state == "running"
    # One working hour paused, once: Mon 18:00 + 1 h of working time = Tue 10:00.
    assert feasibility.paused_total.total_seconds() == 3600
    assert feasibility.due_at == kst(2026, 9, 29, 10, 0)
    request.refresh_from_db()
    assert request.status == "in_progress"


def test_an_overdue_clock_does_not_pause(staff):
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff)
    with at(2026, 9, 22, 9, 0):
        status(request, staff, "waiting")

    assert clock(request, "common.feasibility").state == "running"


def test_resolving_stops_what_resolution_stops_and_ends_the_progress_series(staff):
    with at(2026, 9, 21, 10, 0):
        request = new_request(
            staff,
            kind="institutional_change",
            requested_due=date(2026, 10, 8),
            expected_completion=date(2026, 12, 31),
        )
    with at(2026, 10, 7, 10, 0):
        status(request, staff, "resolved")

    progress = [
        c for c in cases.request_clocks(request) if c.commitment_code == "common.progress-15d"
    ]
    # Cycle 1 ran past due on Oct 6 unseen by a sweep: resolving records it late.
    assert [c.state for c in progress] == ["breached"]
    assert clock(request, "common.institutional-change").state == "met"
    request.refresh_from_db()
    assert request.resolved_at == kst(2026, 10, 7, 10, 0)


def test_closing_cancels_open_clocks_and_a_breach_stays_a_breach(staff):
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff, kind="new_development")
    feasibility = clock(request, "common.feasibility")
    feasibility.state = "breached"  # as the sweep records it at due
    feasibility.save(update_fields=["state"])
    with at(2026, 9, 23, 10, 0):
        status(request, staff, "closed", note="withdrawn by the customer")

    by_code = clocks(request)
    assert by_code["common.review-result"].state == "cancelled"
    assert by_code["common.feasibility"].state == "breached"
    assert by_code["common.feasibility"].stopped_at == kst(2026, 9, 23, 10, 0)
    request.refresh_from_db()
    assert (request.status, request.next_due_at) == ("closed", None)


def test_reopening_goes_back_to_in_progress(staff):
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff)
        status(request, staff, "closed")
        status(request, staff, "in_progress")

    request.refresh_from_db()
    assert (request.status, request.closed_at, request.resolved_at) == ("in_progress", None, None)


@pytest.mark.parametrize(
    ("first", "then"), [("resolved", "waiting"), ("new", "nonsense"), ("new", "new")]
)
def test_moves_outside_the_status_flow_are_refused(staff, first, then):
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff)
        if first != "new":
            status(request, staff, first)
        with pytest.raises(DeskError) as caught:
            status(request, staff, then)

    assert "status" in caught.value.message_dict


# --- transfers -------------------------------------------------------------------------------


def test_a_transfer_needs_a_handoff_note(staff):
    colleague = member_of("net-support")
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff)
        with pytest.raises(DeskError) as caught:
            cases.request_transfer(request, actor=staff, to_user=colleague, handoff_note="  ")

    assert "handoff_note" in caught.value.message_dict
    request.refresh_from_db()
    assert request.assignee is None


def test_a_transfer_moves_the_request_and_its_clocks_and_keeps_the_note_first(staff):
    colleague = member_of("net-dev")
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff, assignee=staff)
        cases.request_transfer(
            request, actor=staff, to_user=colleague, handoff_note="Customer wants ISIN first"
        )

    request.refresh_from_db()
    assert request.assignee == colleague
    assert request.team == Team.objects.get(code="net-dev")
    feasibility = clock(request, "common.feasibility")
    assert (feasibility.owner, feasibility.team) == (colleague, request.team)
    latest = cases.request_latest_handoff(request)
    assert latest.text == "Customer wants ISIN first"
    assert latest.to_user == colleague


def test_a_transfer_to_a_team_leaves_it_unassigned(staff):
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff, assignee=staff)
        cases.request_transfer(
            request, actor=staff, to_team=team("cert"), handoff_note="Cert issue"
        )

    request.refresh_from_db()
    assert (request.assignee, request.team.code) == (None, "cert")


def test_a_transfer_to_someone_outside_the_division_is_refused(staff):
    outsider = member_of("market-it-infra")
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff)
        with pytest.raises(DeskError) as caught:
            cases.request_transfer(request, actor=staff, to_user=outsider, handoff_note="x")
        with pytest.raises(DeskError) as team_caught:
            cases.request_transfer(request, actor=staff, to_team=team("bizdev"), handoff_note="x")

    assert "to_user" in caught.value.message_dict
    assert "to_team" in team_caught.value.message_dict


# --- the timeline ------------------------------------------------------------------------------


def test_the_timeline_merges_activities_and_clock_events_in_time_order(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    with at(2026, 9, 24, 10, 0):
        cases.request_communicate(
            request, actor=staff, purpose="feasibility", channel="phone", summary="Feasible"
        )

    entries = cases.request_timeline(request)
    assert [(e.source, e.kind) for e in entries] == [
        ("activity", "note"),
        ("clock", "started"),
        ("activity", "communication"),
        ("activity", "status"),  # the first answer moves the new request to "in progress"
        ("clock", "met"),
    ]
    assert entries[1].clock_code == "common.feasibility"
    assert entries[1].due_at == kst(2026, 9, 28, 15, 0)
    # Clock events are read from the clocks, never copied into the request's activities.
    assert Activity.objects.filter(request=request).count() == 3


def test_the_timeline_reads_in_constant_queries(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="new_development")
        with CaptureQueriesContext(connection) as few:
            cases.request_timeline(request)
        for n in range(5):
            cases.request_add_note(request, actor=staff, text=f"note {n}")
            status(request, staff, "waiting" if n % 2 == 0 else "in_progress")
        with CaptureQueriesContext(connection) as many:
            entries = cases.request_timeline(request)

    assert len(entries) > 15
    # Activities and the clocks' events (their files come from the page's own list of files).
    assert len(many) == len(few) == 2


# --- concurrency --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_the_same_version_lose_nothing(django_db_blocker):
    from django.core.management import call_command

    call_command("seed_charter", verbosity=0)
    staff = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(name: str, subject: str) -> None:
        try:
            barrier.wait()
            with at(2026, 9, 23, 16, 0):
                cases.request_update(
                    Request.objects.get(pk=request.pk), actor=staff, version=1, subject=subject
                )
            outcomes[name] = "saved"
        except StaleEdit:
            outcomes[name] = "stale"
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(n, f"Edit {n}")) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["saved", "stale"]
    saved = next(n for n, outcome in outcomes.items() if outcome == "saved")
    request.refresh_from_db()
    assert (request.subject, request.version) == (f"Edit {saved}", 2)
    assert Activity.objects.filter(request=request, kind="change").count() == 1
    assert Commitment.objects.exists()


def test_an_admin_may_be_assigned_anywhere():
    admin = UserFactory(is_superuser=True)
    with at(2026, 9, 23, 15, 0):
        request = new_request(admin, assignee=admin, division="market")

    assert request.assignee == admin
