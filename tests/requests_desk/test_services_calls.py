"""Calls and visits: per-call rules, call-back clocks, visit rules."""

import pytest

from commitments.models import Division, Service
from requests_desk import cases
from requests_desk.cases import DeskError
from requests_desk.models import Activity, CustomerContact, PhoneCall, Request, Visit
from tests.requests_desk.desk_support import clock, clocks, member_of, new_request
from tests.seoul import at, kst

pytestmark = pytest.mark.usefixtures("charter")


@pytest.fixture
def staff():
    return member_of("net-support", "desk.staff")


def log(actor, **changes):
    fields = {
        "caller_name": "김민수",
        "organisation": "Example Securities",
        "caller_phone": "02-1234-5678",
        "division": Division.objects.get(code="infrastructure"),
        "rings": 2,
        "summary": "The settlement screen shows no ISIN column",
        **changes,
    }
    return cases.call_log(actor=actor, **fields)


def test_a_call_becomes_a_support_inquiry_with_a_running_eta_clock(staff):
    with at(2026, 9, 23, 15, 0):
        call = log(staff)

    request = call.request
    assert request.kind == "support_inquiry"
    assert request.channel == "phone"
    assert request.subject == "The settlement screen shows no ISIN column"
    assert request.assignee == staff
    assert request.customer.organisation.name == "Example Securities"
    assert clock(request, "common.support-eta").due_at == kst(2026, 9, 23, 15, 10)
    assert call.answered_by == staff
    assert call.answered_in_time
    assert Activity.objects.filter(request=request, kind="call").exists()


def test_a_call_about_a_modification_starts_feasibility(staff):
    with at(2026, 9, 23, 15, 0):
        call = log(staff, kind="modification", subject="Add ISIN column")

    assert call.request.subject == "Add ISIN column"
    assert clock(call.request, "common.feasibility").due_at == kst(2026, 9, 28, 15, 0)


def test_the_same_caller_is_found_again_by_phone(staff):
    with at(2026, 9, 23, 15, 0):
        first = log(staff)
        second = log(staff, caller_name="김민수 과장")

    assert first.customer == second.customer
    assert CustomerContact.objects.count() == 1


@pytest.mark.parametrize(
    ("rings", "apology", "in_time", "owed"),
    [
        (3, False, True, False),
        (4, False, False, False),
        (5, True, False, True),
        (5, False, False, True),
    ],
)
def test_the_call_row_records_the_ring_rules(staff, rings, apology, in_time, owed):
    with at(2026, 9, 23, 15, 0):
        call = log(staff, rings=rings, apology_given=apology)

    assert call.answered_in_time is in_time  # phone.answer-3-rings
    assert call.apology_owed is owed  # phone.late-apology, met when apology_given
    assert call.apology_given is apology


def test_an_absent_person_in_charge_owes_a_call_back_within_5_minutes(staff):
    colleague = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        call = log(staff, person_absent=True, person_in_charge=colleague)
    callback = clock(call.request, "phone.absent-callback")
    assert callback.due_at == kst(2026, 9, 23, 15, 5)
    assert callback.owner == colleague
    with at(2026, 9, 23, 15, 4):
        cases.call_record_callback(call, actor=colleague)

    assert clock(call.request, "phone.absent-callback").state == "met"
    call.refresh_from_db()
    assert call.callback_at == kst(2026, 9, 23, 15, 4)
    told = Activity.objects.get(request=call.request, kind="communication")
    assert (told.purpose, told.channel) == ("callback", "phone")


def test_a_late_call_back_breaches(staff):
    with at(2026, 9, 23, 15, 0):
        call = log(staff, person_absent=True)
    with at(2026, 9, 23, 15, 6):
        cases.call_record_callback(call, actor=staff)

    assert clock(call.request, "phone.absent-callback").state == "breached"


def test_a_pension_call_taken_by_another_owes_the_responsible_person_a_call_back_in_an_hour():
    taker = member_of("fin-pension")
    responsible = member_of("fin-pension")
    with at(2026, 9, 23, 15, 0):
        call = log(
            taker,
            division=Division.objects.get(code="financial"),
            service=Service.objects.get(code="retirement-pension"),
            person_in_charge=responsible,
            kind="pension_request",
        )

    by_code = clocks(call.request)
    assert by_code["finance.pension-callback"].due_at == kst(2026, 9, 23, 16, 0)
    assert by_code["finance.pension-callback"].owner == responsible
    # Three business days for the schedule: Wed 15:00 + 27 h → Chuseok, weekend → Wed 30 Sep 15:00.
    assert by_code["finance.pension-schedule"].due_at == kst(2026, 9, 30, 15, 0)


def test_a_pension_call_taken_by_the_person_in_charge_owes_no_call_back():
    responsible = member_of("fin-pension")
    with at(2026, 9, 23, 15, 0):
        call = log(
            responsible,
            division=Division.objects.get(code="financial"),
            service=Service.objects.get(code="retirement-pension"),
            person_in_charge=responsible,
        )

    assert "finance.pension-callback" not in clocks(call.request)


def test_a_bizdev_call_taken_by_a_colleague_owes_a_contact_within_an_hour():
    taker, responsible = member_of("bizdev"), member_of("bizdev")
    with at(2026, 9, 23, 15, 0):
        call = log(
            taker,
            division=Division.objects.get(code="bizdev"),
            person_in_charge=responsible,
            kind="bizdev_consultation",
        )
    by_code = clocks(call.request)
    assert by_code["bizdev.callback-1h"].due_at == kst(2026, 9, 23, 16, 0)
    assert by_code["bizdev.feedback-1w"].due_at == kst(2026, 9, 30, 15, 0)
    with at(2026, 9, 23, 15, 50):
        cases.call_record_callback(call, actor=responsible)

    assert clock(call.request, "bizdev.callback-1h").state == "met"
    assert clock(call.request, "bizdev.feedback-1w").state == "running"


def test_a_call_on_an_existing_request_links_it_and_starts_no_request_clocks(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
        call = log(staff, request=request, customer=request.customer)

    assert call.request == request
    assert Request.objects.count() == 1
    assert set(clocks(request)) == {"common.feasibility"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"caller_name": ""}, "caller_name"),
        ({"rings": -1}, "rings"),
        ({"rings": "many"}, "rings"),
        ({"caller_phone": "call me"}, "caller_phone"),
        ({"rings": 100}, "rings"),
        ({"organisation": ""}, "organisation"),
        ({"organisation": "x" * 201}, "organisation"),
        ({"received_at": kst(2026, 9, 23, 15, 5)}, "received_at"),
    ],
)
def test_bad_calls_are_field_errors(staff, changes, field):
    with at(2026, 9, 23, 15, 0), pytest.raises(DeskError) as caught:
        log(staff, **changes)

    assert field in caught.value.message_dict
    assert not PhoneCall.objects.exists()
    assert not Request.objects.exists()


def test_a_call_back_is_recorded_once(staff):
    with at(2026, 9, 23, 15, 0):
        call = log(staff, person_absent=True)
        cases.call_record_callback(call, actor=staff)
        with pytest.raises(DeskError):
            cases.call_record_callback(call, actor=staff)


# --- visits -------------------------------------------------------------------------------


def visit(request, actor, **changes):
    fields = {
        "appointment_agreed": True,
        "appointment_at": kst(2026, 9, 24, 14, 0),
        "visited_at": kst(2026, 9, 24, 14, 0),
        "results_explained_to": "박지은 차장",
        "summary": "Installed the patch and walked through the change.",
        **changes,
    }
    return cases.visit_log(request, actor=actor, **fields)


def test_a_visit_that_explains_the_result_meets_the_result_clock(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="access_rights")
    with at(2026, 9, 24, 15, 0):
        logged = visit(request, staff)

    assert clock(request, "common.access-rights").state == "met"
    assert logged.visitor == staff
    activity = Activity.objects.get(request=request, kind="visit")
    assert (activity.purpose, activity.channel, activity.told_person) == (
        "result",
        "visit",
        "박지은 차장",
    )
    assert activity.public


def test_a_visit_without_an_agreed_appointment_is_refused(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="access_rights")
    with at(2026, 9, 24, 15, 0), pytest.raises(DeskError) as caught:
        visit(request, staff, appointment_agreed=False, results_explained_to="")

    assert {"appointment_agreed", "results_explained_to"} <= set(caught.value.message_dict)
    assert not Visit.objects.exists()
    assert clock(request, "common.access-rights").state == "running"
