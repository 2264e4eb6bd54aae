"""``/api/v1/calls/``: phone calls open requests, the per-call promises and the call-backs."""

import pytest

from commitments.models import Deadline
from requests_desk.desk import paging
from requests_desk.models import PhoneCall, Request
from tests.requests_desk.api_support import (
    CALLS,
    REQUESTS,
    clocks,
    create,
    created,
    member_of,
    read,
)
from tests.requests_desk.api_support import call_payload as call
from tests.seoul import at

pytestmark = pytest.mark.django_db


def log(client, **changes) -> dict:
    return created(client, CALLS, call(**changes))


def test_a_call_opens_a_support_request_with_its_eta_clock(api, people):
    with at(2026, 9, 23, 15, 1):
        logged = log(api)

    assert logged["answered_by"] == people["staff"].pk
    assert logged["organisation"] == "Example Securities"
    assert logged["received_at"] == "2026-09-23T15:00:00+09:00"
    request = read(api, {"id": logged["request"]})
    assert request["channel"] == "phone"
    assert request["kind"] == "support_inquiry"
    assert clocks(request)["common.support-eta"]["due_at"] == "2026-09-23T15:10:00+09:00"


def test_a_call_about_a_modification_starts_the_feasibility_clock(api):
    with at(2026, 9, 23, 15, 1):
        logged = log(api, kind="modification", subject="Add a column")

    request = read(api, {"id": logged["request"]})
    assert request["subject"] == "Add a column"
    assert clocks(request)["common.feasibility"]["due_at"] == "2026-09-28T15:00:00+09:00"


def test_a_call_on_an_existing_request_joins_it(api):
    with at(2026, 9, 23, 15, 1):
        existing = create(api, received_at="2026-09-23T14:00:00+09:00")
        logged = log(api, request=existing["id"])

    assert logged["request"] == existing["id"]
    assert api.get(REQUESTS).json()["count"] == 1


@pytest.mark.parametrize(
    ("rings", "in_time", "apology_owed"),
    [(0, True, False), (3, True, False), (4, False, False), (5, False, True)],
)
def test_the_rings_decide_the_answer_and_apology_promises(api, rings, in_time, apology_owed):
    """phone.answer-3-rings: met at ≤ 3 rings; phone.late-apology: owed above 4."""
    with at(2026, 9, 23, 15, 1):
        logged = log(api, rings=rings, apology_given=apology_owed)

    assert logged["answered_in_time"] is in_time
    assert logged["apology_owed"] is apology_owed
    assert logged["apology_given"] is apology_owed


def test_an_absent_person_in_charge_owes_a_callback_within_5_minutes(api):
    with at(2026, 9, 23, 15, 1):
        logged = log(api, person_absent=True)
    request = read(api, {"id": logged["request"]})
    assert clocks(request)["phone.absent-callback"]["due_at"] == "2026-09-23T15:05:00+09:00"

    with at(2026, 9, 23, 15, 10):
        response = api.post(
            f"{CALLS}{logged['id']}/callback/", {"at": "2026-09-23T15:04:00+09:00"}, format="json"
        )

    assert response.status_code == 200, response.content
    assert response.json()["callback_at"] == "2026-09-23T15:04:00+09:00"
    clock = clocks(read(api, request))["phone.absent-callback"]
    assert clock["state"] == "met"


def test_a_late_callback_is_a_breach(api):
    with at(2026, 9, 23, 15, 1):
        logged = log(api, person_absent=True)
    with at(2026, 9, 23, 15, 30):
        response = api.post(f"{CALLS}{logged['id']}/callback/", {}, format="json")

    assert response.status_code == 200, response.content
    clock = clocks(read(api, {"id": logged["request"]}))["phone.absent-callback"]
    assert clock["state"] == "breached"
    assert clock["stopped_at"] == "2026-09-23T15:30:00+09:00"


def test_a_callback_recorded_twice_is_a_400(api):
    with at(2026, 9, 23, 15, 2):
        logged = log(api, person_absent=True)
        assert api.post(f"{CALLS}{logged['id']}/callback/", {}, format="json").status_code == 200

        response = api.post(f"{CALLS}{logged['id']}/callback/", {}, format="json")

    assert response.status_code == 400
    assert "callback_at" in response.json()


def test_a_pension_call_taken_by_another_owes_the_responsible_persons_callback_in_an_hour(admin):
    responsible = member_of("fin-pension", "pension.owner")
    with at(2026, 9, 23, 15, 1):
        logged = log(
            admin,
            division="financial",
            service="retirement-pension",
            person_in_charge=responsible.pk,
        )
    request = read(admin, {"id": logged["request"]})
    assert clocks(request)["finance.pension-callback"]["due_at"] == "2026-09-23T16:00:00+09:00"

    with at(2026, 9, 23, 15, 50):
        assert admin.post(f"{CALLS}{logged['id']}/callback/", {}, format="json").status_code == 200

    assert clocks(read(admin, request))["finance.pension-callback"]["state"] == "met"


def test_a_bizdev_call_taken_by_a_colleague_owes_a_callback_within_an_hour(admin):
    colleague = member_of("bizdev", "bizdev.owner")
    with at(2026, 9, 23, 15, 1):
        logged = log(admin, division="bizdev", person_in_charge=colleague.pk)

    request = read(admin, {"id": logged["request"]})
    assert clocks(request)["bizdev.callback-1h"]["due_at"] == "2026-09-23T16:00:00+09:00"


def test_a_call_taken_by_the_person_in_charge_owes_no_callback(api, people):
    with at(2026, 9, 23, 15, 1):
        logged = log(api, person_in_charge=people["staff"].pk)

    request = read(api, {"id": logged["request"]})
    assert not {"phone.absent-callback", "bizdev.callback-1h"} & set(clocks(request))


def test_calls_are_listed_and_filtered(api):
    with at(2026, 9, 23, 15, 1):
        first = log(api)
        log(api, person_absent=True)

    body = api.get(CALLS).json()
    assert body["count"] == 2
    assert api.get(CALLS, {"person_absent": "true"}).json()["count"] == 1
    assert api.get(CALLS, {"request": first["request"]}).json()["count"] == 1
    assert api.get(f"{CALLS}{first['id']}/").json()["id"] == first["id"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"caller_name": ""}, "caller_name"),
        ({"caller_name": "x" * 101}, "caller_name"),
        ({"caller_phone": "call me maybe"}, "caller_phone"),
        ({"organisation": ""}, "organisation"),
        ({"division": "mars"}, "division"),
        ({"service": "nope"}, "service"),
        ({"rings": -1}, "rings"),
        ({"rings": "many"}, "rings"),
        ({"received_at": "2026-09-23T15:00:00"}, "received_at"),
        ({"received_at": "2026-09-24T15:00:00+09:00"}, "received_at"),
        ({"kind": "gossip"}, "kind"),
        ({"person_in_charge": 999999}, "person_in_charge"),
        ({"request": 999999}, "request"),
        ({"summary": "x" * 10_001}, "summary"),
    ],
)
def test_bad_call_input_is_a_400_with_field_errors(api, changes, field):
    with at(2026, 9, 23, 15, 1):
        response = api.post(CALLS, call(**changes), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert PhoneCall.objects.count() == 0


def test_staff_cannot_log_a_call_for_another_division(api):
    with at(2026, 9, 23, 15, 1):
        response = api.post(CALLS, call(division="market"), format="json")

    assert response.status_code == 403
    assert PhoneCall.objects.count() == 0


def test_a_call_cannot_join_a_request_of_another_division(api, admin):
    with at(2026, 9, 23, 15, 1):
        market = create(admin, division="market")
        response = api.post(CALLS, call(request=market["id"]), format="json")

    assert response.status_code == 400
    assert "request" in response.json()


def test_the_call_list_runs_a_constant_number_of_queries(api, django_assert_max_num_queries):
    with at(2026, 9, 23, 15, 1):
        for number in range(30):
            log(api, caller_name=f"Caller {number}")

    with django_assert_max_num_queries(6):
        body = api.get(CALLS, {"page_size": 500}).json()

    assert len(body["results"]) == 30


def test_the_call_list_pages_by_cursor_newest_first_and_caps_its_count(api, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    with at(2026, 9, 23, 15, 1):
        for number in range(5):
            log(
                api, caller_name=f"Caller {number}", received_at=f"2026-09-23T14:5{number}:00+09:00"
            )

    first = api.get(CALLS, {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    assert (first["count"], first["count_is_capped"]) == (3, True)
    pages = [first, second, third]
    names = [[row["caller_name"] for row in page["results"]] for page in pages]
    assert names == [["Caller 4", "Caller 3"], ["Caller 2", "Caller 1"], ["Caller 0"]]
    assert "cursor=" in first["next"]
    assert third["next"] is None
    by_number = api.get(CALLS, {"page_size": 2, "page": 2}).json()
    assert [row["caller_name"] for row in by_number["results"]] == ["Caller 2", "Caller 1"]


def test_a_person_in_charge_from_another_division_is_a_400_and_nothing_is_logged(admin, people):
    """They would own the call-back clock of a division they do not work in."""
    with at(2026, 9, 23, 15, 1):
        response = admin.post(
            CALLS,
            call(person_absent=True, person_in_charge=people["market"].pk),
            format="json",
        )

    assert response.status_code == 400, response.content
    assert "person_in_charge" in response.json()
    assert PhoneCall.objects.count() == 0
    assert Request.objects.count() == 0
    assert Deadline.objects.count() == 0
