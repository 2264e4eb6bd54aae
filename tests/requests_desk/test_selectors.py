"""Selectors: who sees what, the queue's order, clock status, constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
        request = new_request(staff, kind="support_inquiry")
    eta = clock(request, "common.support-eta")
    start = kst(2026, 9, 23, 15, 0)

    assert clock_status(eta, start + timedelta(minutes=5)) == "on_track"
    assert clock_status(eta, start + timedelta(minutes=8)) == "at_risk"  # past the 80 % reminder
    assert clock_status(eta, start + timedelta(minutes=10)) == "breached"


def test_clock_status_counts_working_time_for_business_clocks():
    staff = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    feasibility = clock(request, "common.feasibility")

    # Fri 25 Sep (Chuseok): only 3 of 9 working hours have passed.
    assert clock_status(feasibility, kst(2026, 9, 25, 12, 0)) == "on_track"
    # Mon 28 Sep 14:00: 8 of 9 hours gone.
    assert clock_status(feasibility, kst(2026, 9, 28, 14, 0)) == "at_risk"
