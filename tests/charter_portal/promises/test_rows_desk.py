"""The desk's rows of the charter's catalogue, one by one, as staff and customers use them: what
starts the row, the act that keeps it, and what breaks it.

Three sorts of row:

- ``Clock``: a real subject (a request, a call, a training, a suspension plan, a homepage
  submission) made at ``started`` starts a clock, running and due at ``due`` (worked by hand
  below). ``keep`` done a minute before due meets it. Otherwise the sweep
  (``manage.py sweep_deadlines`` at the database's pinned "now") leaves it running a minute
  before due and records the breach a minute after — even when ``wrong``, an act that must not
  keep it, was done in time — and keeping it late leaves it breached.
- ``PerCall``: no clock; each logged call keeps or breaks the promise, and the public scorecard
  counts it by the day of the call.
- ``Rule``: no clock; the staff page asks for what the rule needs, and the act without it is
  refused with nothing recorded.

Holidays of 2026 in play (KR calendar of Infrastructure HO): Chuseok Thu 24 – Sat 26 September,
National Foundation Day Sat 3 October and its substitute holiday Mon 5 October, Hangeul Day
Fri 9 October.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from rest_framework.test import APIClient

from tests.charter_portal.promises.conftest import DEADLINES, clock, scorecard_month, sweep
from tests.requests_desk.api_support import (
    CALLS,
    call_payload,
    communicate,
    create,
    created,
    customer,
    set_status,
    url,
)
from tests.requests_desk.public.support import API_COMPLAINTS, api_complaint, forget_rate_limits
from tests.seoul import SEOUL, kst

pytestmark = pytest.mark.django_db

Act = Callable[[APIClient, dict, datetime], object]
MINUTE = timedelta(minutes=1)
TRAININGS = "/api/v1/trainings/"
SUSPENSIONS = "/api/v1/suspensions/"
WEDNESDAY = kst(2026, 9, 23, 15)  # the last working day before the Chuseok holidays


# --- the acts, as the API takes them ----------------------------------------------------------


def logged(kind: str, **extra) -> Callable[[APIClient, datetime], dict]:
    """A request of ``kind`` received by e-mail at the start and logged then."""
    return lambda api, when: create(api, kind=kind, received_at=when.isoformat(), **extra)


def call(**changes) -> Callable[[APIClient, datetime], dict]:
    """A phone call received at the start (it opens a support inquiry)."""
    return lambda api, when: created(
        api, CALLS, call_payload(received_at=when.isoformat(), **changes)
    )


def told(purpose: str, channel: str = "phone") -> Act:
    """The customer told ``purpose`` (by phone unless said)."""
    return lambda api, case, when: communicate(
        api, case, purpose, when.isoformat(), channel=channel
    )


def called_back(api, call: dict, when: datetime):
    return api.post(f"{CALLS}{call['id']}/callback/", {"at": when.isoformat()}, format="json")


def moved_to(status: str) -> Act:
    return lambda api, case, when: set_status(api, case, status, when.isoformat())


def noted(api, case: dict, when: datetime):
    """An internal note: the customer hears nothing."""
    return api.post(url(case, "notes/"), {"text": "담당자 복귀 후 연락 예정"}, format="json")


def of_the_call(act: Act) -> Act:
    """``act`` on the request the call opened."""
    return lambda api, call, when: act(api, {"id": call["request"]}, when)


def under_an_hour(api, when: datetime) -> dict:
    """A support inquiry the handler says takes under an hour, at once."""
    case = logged("support_inquiry", channel="support_center")(api, when)
    response = api.post(url(case, "under-an-hour/"), {}, format="json")
    assert response.status_code == 200, response.content
    return case


def from_the_homepage(api, when: datetime) -> dict:
    """An inquiry a customer files on the homepage (no account); the request it became."""
    forget_rate_limits()
    created(APIClient(), API_COMPLAINTS, api_complaint(category="inquiry"))
    return {"id": clock(api, "common.homepage-input")["request"]}


def training(api, when: datetime) -> dict:
    """A training asked for at the start, promised for Hangeul Day (Fri 2026-10-09)."""
    return created(
        api,
        TRAININGS,
        {
            "division": "infrastructure",
            "customer": customer(),
            "topic": "전용회선 장애 대응 교육",
            "requested_at": when.isoformat(),
            "promised_on": "2026-10-09",
        },
    )


def plan_told(api, training: dict, when: datetime):
    return api.post(
        f"{TRAININGS}{training['id']}/plan/",
        {"at": when.isoformat(), "summary": "10월 8일 10시, 본사 교육장"},
        format="json",
    )


def session_held(api, training: dict, when: datetime):
    return api.post(f"{TRAININGS}{training['id']}/held/", {"at": when.isoformat()}, format="json")


def suspension(api, when: datetime) -> dict:
    """A suspension of the network service planned for Sat 2026-10-10 09:00."""
    return created(
        api,
        SUSPENSIONS,
        {
            "services": ["network"],
            "starts_at": "2026-10-10T09:00:00+09:00",
            "ends_at": "2026-10-10T13:00:00+09:00",
            "cause": "market_system",
            "channels": ["screen", "email"],
            "title_ko": "시장 시스템 변경에 따른 중단",
            "body_ko": "시장 시스템 변경으로 중단됩니다.",
        },
    )


def published(api, plan: dict, when: datetime):
    return api.post(f"{SUSPENSIONS}{plan['id']}/publish/", {}, format="json")


def transferred(api, case: dict, given: dict):
    return api.post(url(case, "transfer/"), {"to": "net-dev", **given}, format="json")


def transfers(api, case: dict) -> int:
    activities = api.get(url(case, "activities/"), {"page_size": 500}).json()["results"]
    return sum(activity["kind"] == "transfer" for activity in activities)


def visited(api, case: dict, given: dict):
    payload = {
        "appointment_agreed": True,
        "appointment_at": "2026-09-23T15:00:00+09:00",
        "visited_at": "2026-09-23T15:00:00+09:00",
        "results_explained_to": "박 과장",
        "summary": "변경 내용을 설명드렸습니다.",
        "purpose": "result",
        **given,
    }
    return api.post(url(case, "visits/"), payload, format="json")


def visits(api, case: dict) -> int:
    return api.get(url(case, "visits/")).json()["count"]


def a_call(api, when: datetime) -> dict:
    """The request a phone call opened."""
    return {"id": call()(api, when)["request"]}


# --- the rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    start: Callable[[APIClient, datetime], dict]
    started: datetime
    due: str
    keep: Act
    wrong: Act | None = None


@dataclass(frozen=True)
class PerCall:
    """A call of ``owes`` owes the promise (``owes_nothing`` does not); ``kept`` keeps it,
    ``broken`` breaks it."""

    owes: dict
    kept: dict
    broken: dict
    owes_nothing: dict | None = None


@dataclass(frozen=True)
class Rule:
    """The staff page's form asks for ``form_field``; ``act`` with ``kept`` is recorded, with
    ``broken`` refused on ``field``."""

    start: Callable[[APIClient, datetime], dict]
    form_field: str
    act: Callable[[APIClient, dict, dict], object]
    kept: dict
    broken: dict
    field: str
    recorded: Callable[[APIClient, dict], int]


ROWS = {
    # Answered at the third ring at the latest, counted per call.
    "phone.answer-3-rings": PerCall(owes={"rings": 2}, kept={"rings": 3}, broken={"rings": 4}),
    # Owed above four rings: the apology given keeps it.
    "phone.late-apology": PerCall(
        owes={"rings": 5},
        owes_nothing={"rings": 4},
        kept={"rings": 5, "apology_given": True},
        broken={"rings": 5},
    ),
    # 5 minutes, wall clock, on Chuseok itself. A "call-back" by SMS is not calling back.
    "phone.absent-callback": Clock(
        start=call(person_absent=True),
        started=kst(2026, 9, 24, 10, 0),
        due="2026-09-24T10:05:00+09:00",
        keep=called_back,
        wrong=of_the_call(told("callback", channel="sms")),
    ),
    # A transferred call: the next handler reads the note first.
    "phone.transfer-context": Rule(
        start=a_call,
        form_field="transfer-handoff_note",
        act=transferred,
        kept={"handoff_note": "ISIN 열 추가 요청, 3시 이후 통화 희망"},
        broken={"handoff_note": " "},
        field="handoff_note",
        recorded=transfers,
    ),
    "visit.appointment": Rule(
        start=logged("modification"),
        form_field="visit-appointment_agreed",
        act=visited,
        kept={"appointment_agreed": True},
        broken={"appointment_agreed": False},
        field="appointment_agreed",
        recorded=visits,
    ),
    "visit.explain-results": Rule(
        start=logged("modification"),
        form_field="visit-results_explained_to",
        act=visited,
        kept={"results_explained_to": "박 과장"},
        broken={"results_explained_to": ""},
        field="results_explained_to",
        recorded=visits,
    ),
    # One business day: 3 h on Wed 23 Sep, Chuseok Thu–Sat, Sunday, 6 h on Mon 28 Sep.
    "common.feasibility": Clock(
        start=logged("modification"),
        started=WEDNESDAY,
        due="2026-09-28T15:00:00+09:00",
        keep=told("feasibility"),
        wrong=told("result"),
    ),
    # One business day: 4 h on Thu 8 Oct, Hangeul Day Fri 9, the weekend, 5 h on Mon 12 Oct.
    "common.access-rights": Clock(
        start=logged("access_rights"),
        started=kst(2026, 10, 8, 14),
        due="2026-10-12T14:00:00+09:00",
        keep=told("result"),
        wrong=told("feasibility"),
    ),
    # A development request owes its review result apart from its feasibility.
    "common.review-result": Clock(
        start=logged("new_development"),
        started=WEDNESDAY,
        due="2026-09-28T15:00:00+09:00",
        keep=told("result"),
        wrong=told("feasibility"),
    ),
    # Requested for Sat 3 Oct (National Foundation Day): the close of Friday before.
    "common.institutional-change": Clock(
        start=logged("institutional_change", requested_due="2026-10-03"),
        started=WEDNESDAY,
        due="2026-10-02T18:00:00+09:00",
        keep=moved_to("resolved"),
        wrong=told("result"),
    ),
    # Expected in more than a month: 15 calendar days from Chuseok Thu 24 Sep lands on
    # Hangeul Day, and stays there.
    "common.progress-15d": Clock(
        start=logged("new_development", expected_completion="2026-11-30"),
        started=kst(2026, 9, 24, 10),
        due="2026-10-09T10:00:00+09:00",
        keep=told("progress"),
        wrong=told("result"),
    ),
    # 10 minutes, wall clock, on National Foundation Day.
    "common.support-eta": Clock(
        start=logged("support_inquiry", channel="support_center"),
        started=kst(2026, 10, 3, 11),
        due="2026-10-03T11:10:00+09:00",
        keep=told("eta"),
        wrong=moved_to("in_progress"),
    ),
    # "Under an hour": an hour, wall clock, that only resolution stops.
    "common.support-under-an-hour": Clock(
        start=under_an_hour,
        started=kst(2026, 10, 3, 11),
        due="2026-10-03T12:00:00+09:00",
        keep=moved_to("resolved"),
        wrong=told("eta"),
    ),
    # Seven days before Sat 10 Oct 09:00: on National Foundation Day, never moved.
    "common.suspension-notice": Clock(
        start=suspension,
        started=kst(2026, 9, 20, 10),
        due="2026-10-03T09:00:00+09:00",
        keep=published,
    ),
    # One business day: 3 h on Fri 2 Oct, the weekend (National Foundation Day on Saturday),
    # its substitute holiday Mon 5 Oct, 6 h on Tue 6 Oct.
    "common.training-plan": Clock(
        start=training,
        started=kst(2026, 10, 2, 15),
        due="2026-10-06T15:00:00+09:00",
        keep=plan_told,
    ),
    # Promised for Hangeul Day: the close of the business day before, Thu 8 Oct.
    "common.training-day": Clock(
        start=training,
        started=kst(2026, 10, 2, 15),
        due="2026-10-08T18:00:00+09:00",
        keep=session_held,
        wrong=plan_told,
    ),
    # Filed after closing on Wed 23 Sep: the next business day is Mon 28 Sep.
    "common.homepage-input": Clock(
        start=from_the_homepage,
        started=kst(2026, 9, 23, 18, 30),
        due="2026-09-28T18:00:00+09:00",
        keep=told("other"),
        wrong=noted,
    ),
}

CODES = sorted(ROWS)


def rows_of(sort: type) -> list[str]:
    return [code for code in CODES if isinstance(ROWS[code], sort)]


# --- start -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_start(code, api, client, people, moment):
    row = ROWS[code]
    if isinstance(row, Clock):
        with moment(*_wall(row.started)):
            row.start(api, row.started)
        started = clock(api, code)
        assert (started["state"], started["due_at"]) == ("running", row.due)
    elif isinstance(row, PerCall):
        _calls(api, moment, row.owes, *([row.owes_nothing] if row.owes_nothing else []))
        with moment(2026, 10, 5, 10):
            # One call owes it, whatever came of it.
            assert scorecard_month(client, code).endswith(" / 1")
    else:
        with moment(2026, 9, 23, 15, 1):
            case = row.start(api, WEDNESDAY)
            client.force_login(people["staff"])
            page = client.get(f"/desk/requests/{case['id']}/").content.decode()
        assert f'name="{row.form_field}"' in page


# --- keep ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_keep(code, api, client, moment):
    row = ROWS[code]
    if isinstance(row, Clock):
        with moment(*_wall(row.started)):
            case = row.start(api, row.started)
        kept_at = _due(row) - MINUTE
        with moment(*_wall(kept_at)):
            response = row.keep(api, case, kept_at)
        assert response.status_code in (200, 201), response.content
        kept = clock(api, code)
        assert (kept["state"], kept["stopped_at"]) == ("met", kept_at.isoformat())
        with moment(*_wall(_due(row) + MINUTE)):
            sweep()
        assert clock(api, code)["state"] == "met"
    elif isinstance(row, PerCall):
        _calls(api, moment, row.kept)
        with moment(2026, 10, 5, 10):
            assert scorecard_month(client, code) == "1 / 1"
    else:
        with moment(2026, 9, 23, 15, 1):
            case = row.start(api, WEDNESDAY)
            response = row.act(api, case, row.kept)
        assert response.status_code in (200, 201), response.content
        assert row.recorded(api, case) == 1


# --- breach ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_breach(code, api, client, moment):
    row = ROWS[code]
    if isinstance(row, Clock):
        with moment(*_wall(row.started)):
            case = row.start(api, row.started)
        if row.wrong is not None:
            wrong_at = row.started + MINUTE
            with moment(*_wall(wrong_at)):
                response = row.wrong(api, case, wrong_at)
            assert response.status_code in (200, 201), response.content
        with moment(*_wall(_due(row) - MINUTE)):
            sweep()
        assert clock(api, code)["state"] == "running"
        with moment(*_wall(_due(row) + MINUTE)):
            sweep()
        assert clock(api, code)["state"] == "breached"
        late = _due(row) + 2 * MINUTE
        with moment(*_wall(late)):
            response = row.keep(api, case, late)
        assert response.status_code in (200, 201), response.content
        kept_late = clock(api, code)
        assert (kept_late["state"], kept_late["stopped_at"]) == ("breached", late.isoformat())
    elif isinstance(row, PerCall):
        _calls(api, moment, row.broken)
        with moment(2026, 10, 5, 10):
            assert scorecard_month(client, code) == "0 / 1"
    else:
        with moment(2026, 9, 23, 15, 1):
            case = row.start(api, WEDNESDAY)
            response = row.act(api, case, row.broken)
        assert response.status_code == 400, response.content
        assert row.field in response.json()
        assert row.recorded(api, case) == 0


# --- helpers ---------------------------------------------------------------------------------


def _due(row: Clock) -> datetime:
    return datetime.fromisoformat(row.due)


def _wall(instant: datetime) -> tuple[int, ...]:
    """The Seoul wall clock of ``instant``, as ``moment`` takes it."""
    local = instant.astimezone(SEOUL)
    return (local.year, local.month, local.day, local.hour, local.minute)


def _calls(api, moment, *changes: dict) -> None:
    """Log a call of each ``changes`` on Wed 2026-09-23 (the scorecard's month is read in
    October)."""
    for each in changes:
        with moment(2026, 9, 23, 15, 1):
            created(api, CALLS, call_payload(**each))


# --- common.support-eta: an inquiry processed at once ---------------------------------------


@pytest.mark.parametrize(("minute", "state"), [(5, "met"), (10, "met"), (15, "breached")])
def test_a_support_inquiry_resolved_at_once_owes_no_expected_time(api, moment, minute, state):
    """common.support-eta: processed at once — resolved within the 10 minutes — the inquiry
    needs no expected time; resolved later without one, the promise was broken."""
    row = ROWS["common.support-eta"]
    with moment(2026, 10, 3, 11):
        case = row.start(api, row.started)
    resolved_at = kst(2026, 10, 3, 11, minute)
    with moment(2026, 10, 3, 11, minute):
        assert moved_to("resolved")(api, case, resolved_at).status_code == 200
    with moment(2026, 10, 3, 11, 20):
        sweep()
    resolved = clock(api, "common.support-eta")
    assert (resolved["state"], resolved["stopped_at"]) == (state, resolved_at.isoformat())


# --- common.progress-15d: the series goes on after a missed report ---------------------------


def test_a_missed_progress_report_is_breached_and_the_next_is_due_15_days_after_it(api, moment):
    """Every 15 days counted from the previous due instant when no report came: Fri 9 Oct
    10:00 + 15 days = Sat 24 Oct 10:00 (never moved off the weekend)."""
    row = ROWS["common.progress-15d"]
    with moment(2026, 9, 24, 10):
        row.start(api, row.started)
    with moment(2026, 10, 9, 10, 1):
        sweep()
    cycles = api.get(DEADLINES, {"commitment": "common.progress-15d"}).json()["results"]
    assert sorted((c["cycle"], c["state"], c["due_at"]) for c in cycles) == [
        (1, "breached", "2026-10-09T10:00:00+09:00"),
        (2, "running", "2026-10-24T10:00:00+09:00"),
    ]
