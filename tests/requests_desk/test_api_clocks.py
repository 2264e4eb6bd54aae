"""Every catalogue row that applies to requests, through the API: which clock starts, when it is
due (worked by hand with the holidays), what stops it, met against breached, pause and recompute.

Unless a test says otherwise a request is received by e-mail in Infrastructure on Wed 2026-09-23
15:00 KST (and logged a minute later), the day before Chuseok (Thu 24 – Sat 26 September 2026);
one business day (9 working hours) from then is Mon 2026-09-28 15:00 KST.
"""

from datetime import datetime, timedelta

import pytest

from tests.requests_desk.api_support import (
    client_for,
    clocks,
    communicate,
    create,
    read,
    set_status,
    url,
)
from tests.seoul import at

pytestmark = pytest.mark.django_db


RECEIVED = "2026-09-23T15:00:00+09:00"


@pytest.fixture
def api(people):
    """An admin: the rows below span every division."""
    return client_for(people["admin"])


# kind division service(- for none) channel → commitment, due (2026, KST), the stopping purpose.
# bcp.materials-3d and finance.pension-schedule are 27 working hours: 3 on Wednesday, Chuseok
# and the weekend, 9 on Monday, 9 on Tuesday and 6 on Wednesday.
TABLE = """
modification infrastructure - email common.feasibility 09-28T15:00 feasibility
new_development infrastructure - email common.feasibility 09-28T15:00 feasibility
screen_change financial - document common.feasibility 09-28T15:00 feasibility
new_development infrastructure - email common.review-result 09-28T15:00 result
access_rights infrastructure - email common.access-rights 09-28T15:00 result
support_inquiry infrastructure - support_center common.support-eta 09-23T15:10 eta
training bizdev - email common.training-plan 09-28T15:00 plan
homepage_input infrastructure - email common.homepage-input 09-23T18:00 other
modification infrastructure - homepage common.homepage-input 09-23T18:00 result
business_review market - document market.business-review 09-30T15:00 result
data_problem information - phone info.problem-10min 09-23T15:10 plan
network_trouble infrastructure - phone network.trouble-plan 09-23T15:30 plan
bcp_trouble infrastructure bcp phone bcp.trouble-sms 09-23T15:30 plan
bcp_trouble infrastructure bcp phone bcp.trouble-result 09-23T18:00 result
materials_request infrastructure bcp document bcp.materials-3d 09-30T15:00 delay
pension_request financial retirement-pension email finance.pension-schedule 09-30T15:00 schedule
bizdev_consultation bizdev - visit bizdev.feedback-1w 09-30T15:00 feedback
complaint infrastructure - email voice.complaint-feedback 09-28T15:00 feedback
"""
ROWS = [
    tuple(None if cell == "-" else cell for cell in line.split())
    for line in TABLE.strip().splitlines()
]
ROW_ARGS = ("kind", "division", "service", "channel", "code", "due", "purpose")
ROW_IDS = [f"{row[4]}<-{row[0]}/{row[3]}" for row in ROWS]
each_row = pytest.mark.parametrize(ROW_ARGS, ROWS, ids=ROW_IDS)
# Rows a phone call keeps (``communicate`` logs one): "announce by SMS" never is; its stops are
# tested in test_api_channel_stops.py.
KEPT_BY_PHONE = [row for row in ROWS if row[4] != "bcp.trouble-sms"]
each_row_kept_by_phone = pytest.mark.parametrize(
    ROW_ARGS, KEPT_BY_PHONE, ids=[f"{row[4]}<-{row[0]}/{row[3]}" for row in KEPT_BY_PHONE]
)


def log(api, kind, division="infrastructure", service=None, channel="email", **extra) -> dict:
    payload = {"kind": kind, "division": division, "channel": channel, "received_at": RECEIVED}
    if service:
        payload["service"] = service
    return create(api, **payload, **extra)


def logged(api, kind, **changes) -> dict:
    """``log`` at Wed 2026-09-23 15:01, a minute after the request was received."""
    with at(2026, 9, 23, 15, 1):
        return log(api, kind, **changes)


def minutes_before(due: str, minutes: int) -> str:
    return (datetime.fromisoformat(f"2026-{due}:00+09:00") - timedelta(minutes=minutes)).isoformat()


def minutes_after(due: str, minutes: int) -> str:
    return minutes_before(due, -minutes)


@each_row
def test_the_rule_starts_its_clock_due_when_worked_by_hand(
    api, kind, division, service, channel, code, due, purpose
):
    body = logged(api, kind, division=division, service=service, channel=channel)

    clock = clocks(body)[code]
    assert clock["state"] == "running"
    assert clock["started_at"] == RECEIVED
    assert clock["due_at"] == f"2026-{due}:00+09:00"


@each_row_kept_by_phone
def test_telling_the_customer_before_due_meets_the_clock(
    api, kind, division, service, channel, code, due, purpose
):
    body = logged(api, kind, division=division, service=service, channel=channel)
    told = minutes_before(due, 1)

    with at(2026, 10, 1, 9, 0):
        response = communicate(api, body, purpose, told)

    assert response.status_code == 201, response.content
    clock = clocks(read(api, body))[code]
    assert clock["state"] == "met"
    assert clock["stopped_at"] == told


@each_row_kept_by_phone
def test_telling_the_customer_after_due_records_a_breach(
    api, kind, division, service, channel, code, due, purpose
):
    body = logged(api, kind, division=division, service=service, channel=channel)
    told = minutes_after(due, 1)

    with at(2026, 10, 1, 9, 0):
        assert communicate(api, body, purpose, told).status_code == 201

    clock = clocks(read(api, body))[code]
    assert clock["state"] == "breached"
    assert clock["stopped_at"] == told


def test_a_communication_of_another_purpose_leaves_the_clock_running(api):
    with at(2026, 9, 23, 15, 1):
        body = log(api, "modification")
        assert communicate(api, body, "progress", "2026-09-23T15:01:00+09:00").status_code == 201

        assert clocks(read(api, body))["common.feasibility"]["state"] == "running"


def test_a_told_person_on_any_channel_counts(api):
    with at(2026, 9, 23, 15, 30):
        body = log(api, "modification")
        response = api.post(
            url(body, "communications/"),
            {"purpose": "feasibility", "channel": "visit", "summary": "Explained in person"},
            format="json",
        )

        assert response.status_code == 201, response.content
        clock = clocks(read(api, body))["common.feasibility"]
        assert clock["state"] == "met"
        assert clock["stopped_at"] == "2026-09-23T15:30:00+09:00"


def test_kinds_without_a_rule_start_no_clock(api):
    body = logged(api, "institutional_change")

    assert clocks(body) == {}


# --- The exchange calendar (XKRX) closes on December 31 ----------------------------------------


@pytest.mark.parametrize(
    ("division", "due"),
    [("infrastructure", "2026-12-31T18:00:00+09:00"), ("market", "2027-01-04T18:00:00+09:00")],
)
def test_homepage_input_on_dec_31_follows_the_divisions_calendar(api, division, due):
    with at(2026, 12, 31, 10, 1):
        body = create(
            api,
            kind="homepage_input",
            channel="homepage",
            division=division,
            received_at="2026-12-31T10:00:00+09:00",
        )

    assert clocks(body)["common.homepage-input"]["due_at"] == due


def test_a_market_business_review_counts_calendar_days_through_dec_31(api):
    with at(2026, 12, 24, 10, 1):
        body = create(
            api,
            kind="business_review",
            channel="document",
            division="market",
            received_at="2026-12-24T10:00:00+09:00",
        )

    assert clocks(body)["market.business-review"]["due_at"] == "2026-12-31T10:00:00+09:00"


# --- Waiting on the customer pauses; recomputing keeps the paused time ---------------------------


def test_a_clock_that_does_not_pause_keeps_running_while_waiting(api):
    with at(2026, 9, 23, 15, 5):
        body = log(api, "support_inquiry", channel="support_center")
        assert set_status(api, body, "waiting").status_code == 200

        clock = clocks(read(api, body))["common.support-eta"]
        assert clock["state"] == "running"
        assert clock["due_at"] == "2026-09-23T15:10:00+09:00"


def test_feasibility_pauses_while_waiting_and_resumes_three_working_hours_later(api):
    body = logged(api, "modification")
    with at(2026, 9, 23, 16, 0):
        assert set_status(api, body, "waiting").status_code == 200
        assert clocks(read(api, body))["common.feasibility"]["state"] == "paused"
    with at(2026, 9, 28, 10, 0):
        assert set_status(api, body, "in_progress").status_code == 200

    clock = clocks(read(api, body))["common.feasibility"]
    assert clock["state"] == "running"
    assert clock["due_at"] == "2026-09-28T18:00:00+09:00"


def test_moving_a_request_to_the_market_recomputes_on_the_exchange_calendar_keeping_pauses(api):
    # Received Wed 2026-12-30 10:00 in Infrastructure (KR): due Thu Dec 31 10:00.
    with at(2026, 12, 30, 10, 1):
        body = create(
            api,
            kind="modification",
            division="infrastructure",
            received_at="2026-12-30T10:00:00+09:00",
        )
    assert clocks(body)["common.feasibility"]["due_at"] == "2026-12-31T10:00:00+09:00"
    # Two working hours waiting on the customer: due Dec 31 12:00.
    with at(2026, 12, 30, 11, 0):
        set_status(api, body, "waiting")
    with at(2026, 12, 30, 13, 0):
        set_status(api, body, "in_progress")
    assert clocks(read(api, body))["common.feasibility"]["due_at"] == "2026-12-31T12:00:00+09:00"
    version = read(api, body)["version"]

    # To the Market HO (XKRX): Dec 31 closed, Jan 1 holiday, the weekend, so the 9th working
    # hour is Mon Jan 4 10:00 — plus the two paused hours.
    with at(2026, 12, 30, 14, 0):
        response = api.patch(url(body), {"version": version, "division": "market"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["division"] == "market"
    clock = clocks(response.json())["common.feasibility"]
    assert clock["state"] == "running"
    assert clock["due_at"] == "2027-01-04T12:00:00+09:00"
    assert response.json()["next_due_at"] == "2027-01-04T12:00:00+09:00"


def test_changing_the_kind_cancels_the_clock_no_longer_owed_and_starts_the_new_one(api):
    body = logged(api, "modification")
    with at(2026, 9, 23, 16, 0):
        response = api.patch(url(body), {"version": 1, "kind": "access_rights"}, format="json")

    assert response.status_code == 200, response.content
    after = clocks(response.json())
    assert after["common.feasibility"]["state"] == "cancelled"
    assert after["common.access-rights"]["state"] == "running"
    assert after["common.access-rights"]["due_at"] == "2026-09-28T15:00:00+09:00"


def test_a_met_clock_is_never_rewritten_by_a_recompute(api):
    with at(2026, 9, 23, 15, 30):
        body = log(api, "modification")
        communicate(api, body, "feasibility", "2026-09-23T15:20:00+09:00")
        # The first communication moved the new request to "in progress": a new version.
        version = read(api, body)["version"]
        assert read(api, body)["status"] == "in_progress"
        response = api.patch(
            url(body), {"version": version, "division": "financial"}, format="json"
        )

    assert response.status_code == 200, response.content
    clock = clocks(response.json())["common.feasibility"]
    assert clock["state"] == "met"
    assert clock["due_at"] == "2026-09-28T15:00:00+09:00"


# --- Clocks that follow the request's dates ------------------------------------------------------


def test_an_expected_completion_more_than_a_month_out_owes_progress_every_15_days(api):
    body = logged(api, "new_development", expected_completion="2026-11-30")
    progress = [c for c in body["deadlines"] if c["commitment"] == "common.progress-15d"]
    assert [(c["state"], c["due_at"]) for c in progress] == [
        ("running", "2026-10-08T15:00:00+09:00")
    ]

    with at(2026, 10, 5, 10, 30):
        assert communicate(api, body, "progress", "2026-10-05T10:00:00+09:00").status_code == 201

    progress = [c for c in read(api, body)["deadlines"] if c["commitment"] == "common.progress-15d"]
    assert sorted((c["state"], c["due_at"]) for c in progress) == [
        ("met", "2026-10-08T15:00:00+09:00"),
        ("running", "2026-10-20T10:00:00+09:00"),
    ]


def test_an_expected_completion_within_a_month_owes_no_progress_reports(api):
    body = logged(api, "new_development", expected_completion="2026-10-16")

    assert "common.progress-15d" not in clocks(body)
    assert "market.delay-notice" not in clocks(body)


def test_setting_an_expected_completion_later_starts_progress_from_then(api):
    body = logged(api, "new_development")
    with at(2026, 9, 24, 10, 0):
        response = api.patch(
            url(body), {"version": 1, "expected_completion": "2026-12-15"}, format="json"
        )

    assert response.status_code == 200, response.content
    progress = clocks(response.json())["common.progress-15d"]
    assert progress["started_at"] == "2026-09-24T10:00:00+09:00"
    assert progress["due_at"] == "2026-10-09T10:00:00+09:00"


def test_a_market_expected_completion_owes_a_delay_notice_three_days_before(api):
    body = logged(api, "modification", division="market", expected_completion="2026-10-16")
    # Expected completion means the end of Fri Oct 16 in Seoul: three days before is the start
    # of Wed Oct 14.
    assert clocks(body)["market.delay-notice"]["due_at"] == "2026-10-14T00:00:00+09:00"

    with at(2026, 10, 13, 17, 0):
        assert communicate(api, body, "delay", "2026-10-13T16:00:00+09:00").status_code == 201

    assert clocks(read(api, body))["market.delay-notice"]["state"] == "met"


def test_a_delay_notice_is_also_stopped_by_resolving_the_request(api):
    body = logged(api, "modification", division="market", expected_completion="2026-10-16")
    with at(2026, 10, 15, 9, 0):
        assert set_status(api, body, "resolved").status_code == 200

    clock = clocks(read(api, body))["market.delay-notice"]
    assert clock["state"] == "breached"
    assert clock["stopped_at"] == "2026-10-15T09:00:00+09:00"


def test_a_delay_notice_is_owed_only_in_the_market(api):
    body = logged(api, "modification", expected_completion="2026-10-16")

    assert "market.delay-notice" not in clocks(body)


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        ("2026-10-07", "2026-10-07T18:00:00+09:00"),
        # Sat Oct 3 is National Foundation Day: the Friday before closes it.
        ("2026-10-03", "2026-10-02T18:00:00+09:00"),
    ],
)
def test_a_requested_due_date_owes_the_institutional_change_by_that_date(api, requested, due):
    body = logged(api, "institutional_change", requested_due=requested)

    assert clocks(body)["common.institutional-change"]["due_at"] == due


def test_resolving_the_institutional_change_in_time_meets_it(api):
    with at(2026, 9, 23, 15, 1):
        body = log(api, "institutional_change", requested_due="2026-10-07")
        # A result told to the customer does not stop it: only resolution does.
        communicate(api, body, "result", "2026-09-23T15:01:00+09:00")
        assert clocks(read(api, body))["common.institutional-change"]["state"] == "running"
    with at(2026, 10, 6, 11, 0):
        assert set_status(api, body, "resolved").status_code == 200

    clock = clocks(read(api, body))["common.institutional-change"]
    assert clock["state"] == "met"
    assert clock["stopped_at"] == "2026-10-06T11:00:00+09:00"


def test_closing_a_request_cancels_its_open_clocks(api):
    with at(2026, 9, 23, 15, 1):
        body = log(api, "modification")
        assert set_status(api, body, "closed").status_code == 200

    assert clocks(read(api, body))["common.feasibility"]["state"] == "cancelled"
    assert read(api, body)["next_due_at"] is None


# --- common.support-eta: "under an hour" -------------------------------------------------------


def test_a_handler_saying_under_an_hour_satisfies_the_support_eta(api):
    with at(2026, 9, 23, 15, 5):
        body = log(api, "support_inquiry", channel="support_center")
        response = api.post(url(body, "under-an-hour/"), {}, format="json")

    assert response.status_code == 200, response.content
    clock = clocks(response.json())["common.support-eta"]
    assert clock["state"] == "met"
    assert clock["stopped_at"] == "2026-09-23T15:05:00+09:00"


def test_under_an_hour_on_a_request_without_a_support_clock_is_a_400(api):
    with at(2026, 9, 23, 15, 5):
        body = log(api, "modification")
        response = api.post(url(body, "under-an-hour/"), {}, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
