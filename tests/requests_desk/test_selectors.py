"""Selectors: who sees what, the queue's order, clock status, constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Deadline, RiskHorizon
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.cases.selectors import (
    clock_status,
    clocks_of_requests,
    queue_for,
    requests_visible,
)
from tests.factories import UserFactory
from tests.requests_desk.desk_support import clock, member_of, new_request
from tests.seoul import at, kst

pytestmark = pytest.mark.usefixtures("charter")


def test_staff_see_their_divisions_and_admins_all():
    staff = member_of("net-support")
    market = member_of("market-it-infra")
    admin = UserFactory(is_superuser=True)
    with at(2026, 9, 23, 15, 0):
        mine = new_request(staff)
        theirs = new_request(market, division="market")

    assert list(requests_visible(staff)) == [mine]
    assert set(requests_visible(admin)) == {mine, theirs}
    assert list(requests_visible(UserFactory())) == []


def test_the_queue_holds_mine_and_my_teams_unassigned_nearest_due_first():
    staff = member_of("net-support")
    colleague = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        feasibility = new_request(staff, assignee=staff, service="net-internet")
        eta = new_request(staff, kind="support_inquiry", service="net-internet")
        new_request(staff, assignee=colleague, service="net-internet")
        other_team = new_request(staff, kind="complaint")  # team bcp: not mine
        no_clock = new_request(staff, kind="institutional_change", assignee=staff)

    assert list(queue_for(staff)) == [eta, feasibility, no_clock]
    assert other_team not in queue_for(staff)


def test_the_queue_reads_in_constant_queries():
    staff = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        new_request(staff, assignee=staff)
        with CaptureQueriesContext(connection) as few:
            rows = list(queue_for(staff))
            clocks_of_requests(rows)
            [(r.division.code, r.team, r.assignee, r.customer.organisation.name) for r in rows]
        for _n in range(6):
            new_request(staff, assignee=staff)
        with CaptureQueriesContext(connection) as many:
            rows = list(queue_for(staff))
            clocks_of_requests(rows)
            [(r.division.code, r.team, r.assignee, r.customer.organisation.name) for r in rows]

    assert len(rows) == 7
    assert len(many) == len(few)


def test_clock_status_on_track_at_risk_breached():
    staff = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    # Wed 15:00 + 9 working hours: 3 on Wednesday, Chuseok Thu–Fri, 6 on Monday → Mon 28 15:00.
    feasibility = clock(request, "common.feasibility")

    assert clock_status(feasibility, kst(2026, 9, 23, 15, 0)) == "on_track"
    # Mon 10:59 + 4 working hours = 14:59, short of 15:00; from 11:00 they reach it.
    assert clock_status(feasibility, kst(2026, 9, 28, 10, 59)) == "on_track"
    assert clock_status(feasibility, kst(2026, 9, 28, 11, 0)) == "at_risk"
    assert clock_status(feasibility, kst(2026, 9, 28, 15, 0)) == "breached"


def test_clock_status_counts_working_time_for_business_clocks():
    staff = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    feasibility = clock(request, "common.feasibility")

    # Fri 25 Sep (Chuseok) 12:00: the next four working hours end Mon 13:00, before 15:00.
    assert clock_status(feasibility, kst(2026, 9, 25, 12, 0)) == "on_track"
    # Mon 28 Sep 14:00: one working hour left.
    assert clock_status(feasibility, kst(2026, 9, 28, 14, 0)) == "at_risk"


def test_clock_status_counts_wall_clock_hours_for_24x7_clocks():
    staff = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="support_inquiry")
    # Ten minutes, 24×7: due 15:10, well within four hours from the start.
    eta = clock(request, "common.support-eta")
    start = kst(2026, 9, 23, 15, 0)

    assert clock_status(eta, start) == "at_risk"
    assert clock_status(eta, start + timedelta(minutes=10)) == "breached"


def test_the_desk_and_the_reports_agree_on_what_is_at_risk():
    staff = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        support = new_request(staff, kind="support_inquiry")
        modification = new_request(staff)
    now = kst(2026, 9, 23, 15, 5)
    horizon = RiskHorizon(now=now)
    clocks = Deadline.objects.of_subjects(REQUEST_SUBJECT, [support, modification]).owing()

    by_status = {
        c.commitment_code for c in clocks if clock_status(c, now, horizon=horizon) == "at_risk"
    }
    by_query = {c.commitment_code for c in clocks.at_risk(now=now)}

    assert by_status == by_query
    assert "common.support-eta" in by_status
    assert "common.feasibility" not in by_status
