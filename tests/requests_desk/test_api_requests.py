"""``/api/v1/requests/``: logging, reading, changing and working a request through the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from requests_desk.models import Activity, CustomerContact, Request
from tests.requests_desk.api_support import (
    REQUESTS,
    clocks,
    communicate,
    create,
    customer,
    member_of,
    read,
    request_payload,
    set_status,
    url,
)
from tests.seoul import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(people):
    """A member of Network Support (Infrastructure HO)."""
    return people["staff"]


@pytest.fixture
def now():
    with at(2026, 9, 23, 16, 0):
        yield


# --- Create ------------------------------------------------------------------------------


def test_it_logs_a_request_and_answers_with_its_tracking_code_and_clocks(api, now):
    response = api.post(
        REQUESTS,
        request_payload(received_at="2026-09-23T15:00:00+09:00"),
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == Request.objects.get().pk
    assert len(body["tracking_code"]) == 10
    assert body["status"] == "new"
    assert body["kind"] == "modification"
    assert body["channel"] == "email"
    assert body["division"] == "infrastructure"
    assert body["team"]
    assert body["priority"] == "normal"
    assert body["version"] == 1
    assert body["received_at"] == "2026-09-23T15:00:00+09:00"
    assert body["customer"]["name"] == "홍길동"
    assert body["customer"]["organisation"] == "Example Securities"
    assert body["customer"]["email"] == "hong@example.com"
    feasibility = clocks(body)["common.feasibility"]
    assert set(feasibility) == {"id", "commitment", "due_at", "state", "started_at", "stopped_at"}
    assert feasibility["due_at"] == "2026-09-28T15:00:00+09:00"
    assert feasibility["state"] == "running"
    assert feasibility["started_at"] == "2026-09-23T15:00:00+09:00"
    assert feasibility["stopped_at"] is None
    assert body["next_due_at"] == "2026-09-28T15:00:00+09:00"


def test_it_takes_an_existing_customer_by_id(api, now):
    first = create(api)
    contact = CustomerContact.objects.get()

    payload = request_payload(customer_id=contact.pk)
    del payload["customer"]
    response = api.post(REQUESTS, payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["customer"]["id"] == first["customer"]["id"] == contact.pk
    assert CustomerContact.objects.count() == 1


def test_the_same_customer_is_found_again_not_duplicated(api, now):
    create(api)
    create(api, customer=customer(email="HONG@example.com"))

    assert CustomerContact.objects.count() == 1


def test_it_takes_team_service_priority_assignee_and_dates(api, staff, now):
    response = api.post(
        REQUESTS,
        request_payload(
            team="net-support",
            service="net-internet",
            priority="high",
            assignee=staff.pk,
            expected_completion="2026-10-10",
            requested_due="2026-10-07",
        ),
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["team"] == "net-support"
    assert body["service"] == "net-internet"
    assert body["priority"] == "high"
    assert body["assignee"] == staff.pk
    assert body["expected_completion"] == "2026-10-10"
    assert body["requested_due"] == "2026-10-07"
    assert "common.institutional-change" in clocks(body)


BAD_CREATE = [
    ({"kind": "wish"}, "kind"),
    ({"channel": "pigeon"}, "channel"),
    ({"channel": "sms"}, "channel"),
    ({"division": "mars"}, "division"),
    ({"team": "no-such-team"}, "team"),
    ({"team": "market-it-infra"}, "team"),
    ({"service": "no-such-service"}, "service"),
    ({"service": "powerbase"}, "service"),
    ({"priority": "asap"}, "priority"),
    ({"assignee": 999999}, "assignee"),
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"body": "x" * 10_001}, "body"),
    ({"received_at": "2026-09-23T15:00:00"}, "received_at"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"received_at": "2026-09-24T09:00:00+09:00"}, "received_at"),
    ({"received_at": "0001-01-01T00:00:00+09:00"}, "received_at"),
    ({"received_at": "2026-09-23T15:00:00+09:00", "expected_completion": "2026-09-22"}, None),
    ({"expected_completion": "next week"}, "expected_completion"),
    ({"requested_due": "2026-02-30"}, "requested_due"),
    ({"customer": customer(email="not-an-email")}, "customer"),
    ({"customer": customer(phone="call me")}, "customer"),
    ({"customer": customer(name="")}, "customer"),
    ({"customer": customer(organisation="x" * 201)}, "customer"),
    ({"customer": None}, "customer"),
    ({"customer_id": 999999}, "customer_id"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_CREATE)
def test_bad_input_is_a_400_with_field_errors_and_creates_nothing(api, now, changes, field):
    response = api.post(REQUESTS, request_payload(**changes), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert (field or "expected_completion") in body, body
    assert Request.objects.count() == 0


def test_a_request_without_any_customer_is_a_400(api, now):
    payload = request_payload()
    del payload["customer"]

    response = api.post(REQUESTS, payload, format="json")

    assert response.status_code == 400
    assert "customer" in response.json()


def test_a_request_with_both_kinds_of_customer_is_a_400(api, now):
    create(api)
    response = api.post(
        REQUESTS,
        request_payload(customer_id=CustomerContact.objects.get().pk),
        format="json",
    )

    assert response.status_code == 400
    assert "customer" in response.json()


def test_a_body_that_is_not_json_is_a_400_not_a_500(api, now):
    response = api.post(REQUESTS, "{not json", content_type="application/json")

    assert response.status_code == 400


def test_staff_cannot_log_a_request_in_another_division(api, now):
    response = api.post(REQUESTS, request_payload(division="market"), format="json")

    assert response.status_code == 403
    assert Request.objects.count() == 0


# --- Read and list -------------------------------------------------------------------------


def test_it_lists_requests_newest_first_with_a_next_link(api, now):
    for number in range(3):
        create(api, subject=f"Request {number}")

    body = api.get(REQUESTS, {"page_size": 2}).json()

    assert body["count"] == 3
    assert [row["subject"] for row in body["results"]] == ["Request 2", "Request 1"]
    assert body["next"] is not None
    assert len(api.get(body["next"]).json()["results"]) == 1


def test_it_filters_the_list_by_status_kind_and_division(api, now):
    create(api, kind="modification")
    support = create(api, kind="support_inquiry", channel="support_center")
    set_status(api, support, "in_progress")

    assert api.get(REQUESTS, {"kind": "support_inquiry"}).json()["count"] == 1
    assert api.get(REQUESTS, {"status": "in_progress"}).json()["count"] == 1
    assert api.get(REQUESTS, {"status": ["in_progress", "new"]}).json()["count"] == 2
    assert api.get(REQUESTS, {"division": "infrastructure"}).json()["count"] == 2
    assert api.get(REQUESTS, {"division": "market"}).json()["count"] == 0
    assert api.get(REQUESTS, {"status": "sleeping"}).status_code == 400


def _list_queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(REQUESTS, {"page_size": 500})
    assert response.status_code == 200
    return len(queries.captured_queries)


def remember_catalogue(api, django_capture_on_commit_callbacks) -> None:
    """A list read once and committed: the divisions, teams and services it shows are
    remembered, as between any two requests to a server."""
    with django_capture_on_commit_callbacks(execute=True):
        api.get(REQUESTS, {"page_size": 1})


def test_the_list_runs_the_same_queries_for_3_or_30_requests(
    api, now, django_capture_on_commit_callbacks
):
    for _number in range(3):
        create(api)
    remember_catalogue(api, django_capture_on_commit_callbacks)
    few = _list_queries(api)
    for _number in range(27):
        create(api)

    many = _list_queries(api)

    assert api.get(REQUESTS, {"page_size": 500}).json()["count"] == 30
    assert many == few
    assert many <= 8


def test_the_list_is_constant_with_django_assert_max_num_queries(
    api, now, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for _number in range(30):
        create(api, customer=customer(email=f"c{_number}@example.com"))
    remember_catalogue(api, django_capture_on_commit_callbacks)

    with django_assert_max_num_queries(8):
        body = api.get(REQUESTS, {"page_size": 500}).json()

    assert len(body["results"]) == 30
    assert all(row["deadlines"] for row in body["results"])


# --- Change --------------------------------------------------------------------------------


def test_a_patch_changes_the_request_and_bumps_its_version(api, now):
    created = create(api)

    response = api.patch(
        url(created), {"version": 1, "subject": "A clearer subject"}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["subject"] == "A clearer subject"
    assert body["version"] == 2
    assert Activity.objects.filter(request_id=created["id"], kind="change").exists()


def test_a_patch_on_a_stale_version_is_a_409_and_changes_nothing(api, now):
    created = create(api)
    first = api.patch(url(created), {"version": 1, "priority": "high"}, format="json")
    assert first.status_code == 200, first.content

    response = api.patch(url(created), {"version": 1, "subject": "Lost update?"}, format="json")

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["version"]
    assert body["current_version"] == 2
    assert body["detail"]
    assert read(api, created)["subject"] == created["subject"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "No version"}, "version"),
        ({"version": "one", "subject": "x"}, "version"),
        ({"version": 1, "status": "resolved"}, "status"),
        ({"version": 1, "tracking_code": "ABC"}, "tracking_code"),
        ({"version": 1, "kind": "wish"}, "kind"),
        ({"version": 1, "division": "mars"}, "division"),
        ({"version": 1, "team": "market-it-infra"}, "team"),
        ({"version": 1, "subject": "x" * 201}, "subject"),
        ({"version": 1, "expected_completion": "2026-09-01"}, "expected_completion"),
        ({"version": 1}, "non_field_errors"),
    ],
)
def test_a_bad_patch_is_a_400_with_field_errors(api, now, payload, field):
    created = create(api)

    response = api.patch(url(created), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert read(api, created)["version"] == 1


def test_put_and_delete_are_not_offered(api, now):
    created = create(api)

    assert api.put(url(created), request_payload(), format="json").status_code == 405
    assert api.delete(url(created)).status_code == 405


def test_staff_cannot_move_a_request_to_a_division_they_do_not_work_in(api, now):
    created = create(api)

    response = api.patch(url(created), {"version": 1, "division": "market"}, format="json")

    assert response.status_code == 403
    assert read(api, created)["division"] == "infrastructure"


# --- Status ------------------------------------------------------------------------------------


def test_the_status_changes_through_its_own_endpoint(api, now):
    created = create(api)

    response = set_status(api, created, "in_progress", note="Started")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    assert response.json()["version"] == 2
    activity = Activity.objects.get(request_id=created["id"], kind="status")
    assert (activity.from_status, activity.to_status, activity.text) == (
        "new",
        "in_progress",
        "Started",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({}, "status"),
        ({"status": "waiting", "at": "2026-09-23T15:30:00"}, "at"),
        ({"status": "waiting", "at": "2026-09-30T15:30:00+09:00"}, "at"),
    ],
)
def test_a_bad_status_change_is_a_400(api, now, payload, field):
    created = create(api)

    response = api.post(url(created, "status/"), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_closed_request_cannot_jump_back_to_new(api, now):
    created = create(api)
    assert set_status(api, created, "closed").status_code == 200

    response = set_status(api, created, "new")

    assert response.status_code == 400
    assert "status" in response.json()


# --- Communications, transfer, notes, timeline ---------------------------------------------


def test_a_communication_is_logged_and_listed(api, staff, now):
    created = create(api, received_at="2026-09-23T15:00:00+09:00")

    response = communicate(
        api, created, "feasibility", "2026-09-23T15:30:00+09:00", told_person="Ms Kim"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["purpose"] == "feasibility"
    assert body["channel"] == "phone"
    assert body["summary"] == "Told: feasibility"
    assert body["at"] == "2026-09-23T15:30:00+09:00"
    assert body["told_person"] == "Ms Kim"
    assert body["actor"] == staff.pk
    listed = api.get(url(created, "communications/")).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == body["id"]


def test_the_first_communication_answers_the_version_the_status_move_gave_the_request(api, now):
    created = create(api, received_at="2026-09-23T15:00:00+09:00")
    assert (created["status"], created["version"]) == ("new", 1)

    body = communicate(api, created, "feasibility", "2026-09-23T15:30:00+09:00").json()

    # Telling the customer moved the new request to "in progress": a version further on.
    now_read = read(api, created)
    assert now_read["status"] == "in_progress"
    assert body["request_version"] == now_read["version"] > created["version"]
    # An edit sent with the version the answer gave is taken; the one read before is not.
    stale = api.patch(url(created), {"version": 1, "subject": "Clearer"}, format="json")
    fresh = api.patch(
        url(created), {"version": body["request_version"], "subject": "Clearer"}, format="json"
    )
    assert (stale.status_code, fresh.status_code) == (409, 200)
    listed = api.get(url(created, "communications/")).json()["results"]
    assert listed[0]["request_version"] == fresh.json()["version"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "gossip"}, "purpose"),
        ({"channel": "pigeon"}, "channel"),
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 10_001}, "summary"),
        ({"at": "2026-09-23T15:30:00"}, "at"),
        ({"at": "2026-09-24T15:30:00+09:00"}, "at"),
        ({"told_person": "x" * 101}, "told_person"),
    ],
)
def test_a_bad_communication_is_a_400(api, now, changes, field):
    created = create(api)
    payload = {"purpose": "feasibility", "channel": "phone", "summary": "Told", **changes}

    response = api.post(url(created, "communications/"), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_communication_before_the_request_was_received_is_a_400(api, now):
    created = create(api, received_at="2026-09-23T15:00:00+09:00")

    response = communicate(api, created, "feasibility", "2026-09-23T14:00:00+09:00")

    assert response.status_code == 400
    assert "at" in response.json()


def test_a_communication_on_a_closed_request_is_a_400(api, now):
    created = create(api)
    set_status(api, created, "closed")

    response = communicate(api, created, "result", "2026-09-23T15:59:00+09:00")

    assert response.status_code == 400, response.content
    assert "status" in response.json()


def test_a_transfer_to_a_colleague_carries_the_handoff_note(api, now):
    created = create(api)
    colleague = member_of("net-support", "colleague")

    response = api.post(
        url(created, "transfer/"),
        {"to": colleague.pk, "handoff_note": "Customer wants the ISIN column; call after 3."},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assignee"] == colleague.pk
    transfer = Activity.objects.get(request_id=created["id"], kind="transfer")
    assert transfer.text == "Customer wants the ISIN column; call after 3."
    activities = api.get(url(created, "activities/")).json()["results"]
    assert activities[-1]["kind"] == "transfer"
    assert activities[-1]["to_user"] == colleague.pk


def test_a_transfer_to_a_team_by_code(api, now):
    created = create(api)

    response = api.post(
        url(created, "transfer/"),
        {"to": "net-dev", "handoff_note": "Needs a developer."},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["team"] == "net-dev"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to": "net-dev"}, "handoff_note"),
        ({"to": "net-dev", "handoff_note": ""}, "handoff_note"),
        ({"to": "net-dev", "handoff_note": "   "}, "handoff_note"),
        ({"handoff_note": "Over to you"}, "to"),
        ({"to": "no-such-team", "handoff_note": "Over to you"}, "to"),
        ({"to": "999999", "handoff_note": "Over to you"}, "to"),
        ({"to": "market-it-infra", "handoff_note": "Over to you"}, "to"),
    ],
)
def test_a_bad_transfer_is_a_400(api, now, payload, field):
    created = create(api)

    response = api.post(url(created, "transfer/"), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Activity.objects.filter(kind="transfer").exists()


def test_a_transfer_to_someone_outside_the_division_is_a_400(api, now):
    created = create(api)
    trader = member_of("market-it-infra", "trader")

    response = api.post(
        url(created, "transfer/"), {"to": trader.pk, "handoff_note": "Over to you"}, format="json"
    )

    assert response.status_code == 400
    assert "to" in response.json()


def test_notes_are_added_and_listed(api, staff, now):
    created = create(api)

    response = api.post(url(created, "notes/"), {"text": "Checked the logs."}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["actor"] == staff.pk
    texts = [note["text"] for note in api.get(url(created, "notes/")).json()["results"]]
    assert "Checked the logs." in texts
    assert api.post(url(created, "notes/"), {"text": ""}, format="json").status_code == 400


def test_the_timeline_shows_activities_and_clock_events_in_time_order(api, now):
    created = create(api, received_at="2026-09-23T15:00:00+09:00")
    communicate(api, created, "feasibility", "2026-09-23T15:30:00+09:00")

    response = api.get(url(created, "timeline/"))

    assert response.status_code == 200, response.content
    entries = response.json()["results"]
    instants = [entry["at"] for entry in entries]
    assert instants == sorted(instants)
    assert any(entry["source"] == "clock" for entry in entries)
    assert any(entry["source"] == "activity" for entry in entries)


def test_a_visit_is_logged_and_counts_as_telling_the_customer(api, staff, now):
    created = create(api, received_at="2026-09-23T10:00:00+09:00")

    response = api.post(
        url(created, "visits/"),
        {
            "appointment_agreed": True,
            "appointment_at": "2026-09-23T14:00:00+09:00",
            "visited_at": "2026-09-23T14:00:00+09:00",
            "results_explained_to": "Mr Park",
            "summary": "Walked through the change.",
            "purpose": "feasibility",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["visitor"] == staff.pk
    assert response.json()["results_explained_to"] == "Mr Park"
    feasibility = clocks(read(api, created))["common.feasibility"]
    assert feasibility["state"] == "met"
    assert feasibility["stopped_at"] == "2026-09-23T14:00:00+09:00"
    assert api.get(url(created, "visits/")).json()["count"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"appointment_agreed": False}, "appointment_agreed"),
        ({"results_explained_to": ""}, "results_explained_to"),
        ({"visited_at": "2026-09-23T14:00:00"}, "visited_at"),
        ({"visited_at": "2026-09-25T14:00:00+09:00"}, "visited_at"),
    ],
)
def test_a_bad_visit_is_a_400(api, now, changes, field):
    created = create(api, received_at="2026-09-23T10:00:00+09:00")
    payload = {
        "appointment_agreed": True,
        "appointment_at": "2026-09-23T14:00:00+09:00",
        "visited_at": "2026-09-23T14:00:00+09:00",
        "results_explained_to": "Mr Park",
        **changes,
    }

    response = api.post(url(created, "visits/"), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
