"""The charter row by row (records, incidents, calls, the Market, Information, Financial,
Infrastructure and Business Development rows, and the customer's voice): for each row, its
clock starts from the real subject recorded through the API or the pages, the right act keeps
it, and without it the sweep records the breach.

``ROWS`` holds one recipe per catalogue row. A clocked row (:class:`Clock`) says:

- what starts it — a function that records the subject and names where its clock is read —,
  when (a pinned Seoul instant), and the due instant the charter promises, worked by hand;
- the act that keeps it, when, and whether it counts only once the gateway accepts the
  message (then the real delivery pass runs, and the queued message alone keeps nothing);
- optionally an act that must not keep it, done before due (the clock still ends breached).

A rule row (:class:`Rule`) has no clock: its three checks say what starts the obligation, what
keeps the rule, and what it never lets through.

Each test pins its clock: time-machine for this process, and ``moment`` for the database's
"now" that the sweep and the delivery pass read.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from commitments.models import Service
from commitments.seed_data import COMMITMENTS
from tests.factories import CustomerContactFactory
from tests.requests_desk import conftest as desk_conftest
from tests.requests_desk.api_support import client_for, customer, member_of
from tests.seoul import SEOUL, at

pytestmark = pytest.mark.django_db

Instant = tuple[int, ...]

#: Travel to a Seoul instant here and in the database's "now" (the sweep's and delivery's).
moment = desk_conftest.moment


# --- who acts, and where a clock is read -----------------------------------------------------


class Desk:
    """The people the rows need: a member of staff of a team (signed in to the API), made once
    per test."""

    def __init__(self):
        self._members: dict[str, object] = {}

    def member(self, team: str):
        if team not in self._members:
            self._members[team] = member_of(team, f"rows.{team}")
        return self._members[team]

    def api(self, team: str) -> APIClient:
        return client_for(self.member(team))


@pytest.fixture
def desk(charter, settings, tmp_path) -> Desk:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return Desk()


@dataclass(frozen=True)
class Subject:
    """A subject whose clock of ``code`` the API shows at ``url`` (read by ``api``)."""

    api: APIClient
    url: str
    code: str
    body: dict

    def clock(self) -> dict:
        response = self.api.get(self.url)
        assert response.status_code == 200, response.content
        body = response.json()
        if "deadline" in body:  # an announcement has one clock
            return body["deadline"]
        (found,) = [c for c in body["deadlines"] if c["commitment"] == self.code]
        return found


def posted(api: APIClient, path: str, payload: dict, *, code: int = 201) -> dict:
    response = api.post(path, payload, format="json")
    assert response.status_code == code, response.content
    return response.json()


def iso(*args: int) -> str:
    return datetime(*args, tzinfo=SEOUL).isoformat()


def deliver() -> None:
    call_command("deliver_notifications")


def sweep() -> None:
    call_command("sweep_deadlines", verbosity=0)


# --- a clocked row ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    starts: str
    keeps: str
    breaches: str
    start: Callable[[Desk], Subject]
    recorded: Instant  # when the subject is recorded
    due: str  # the due instant the charter promises, worked by hand
    keep: Callable[[Subject], None]
    kept: Instant
    on_delivery: bool = False  # the act counts once the gateway accepts its message(s)
    wrong: Callable[[Subject], None] | None = None  # an act that must not keep it
    wrong_at: Instant | None = None

    def started(self, desk: Desk) -> Subject:
        with at(*self.recorded):
            return self.start(desk)

    def check_start(self, desk: Desk, travel) -> None:
        clock = self.started(desk).clock()
        assert (clock["state"], clock["due_at"]) == ("running", self.due)

    def check_keep(self, desk: Desk, travel) -> None:
        subject = self.started(desk)
        with travel(*self.kept):
            self.keep(subject)
            if self.on_delivery:
                assert subject.clock()["state"] == "running"  # queued is not told
                deliver()
        clock = subject.clock()
        assert clock["state"] == "met", clock
        assert clock["stopped_at"] == iso(*self.kept)

    def check_breach(self, desk: Desk, travel) -> None:
        subject = self.started(desk)
        if self.wrong is not None:
            with travel(*self.wrong_at):
                self.wrong(subject)
                deliver()
        due = datetime.fromisoformat(self.due).astimezone(SEOUL)
        for instant, state in ((due - timedelta(minutes=1), "running"), (due, "breached")):
            with travel(*instant.timetuple()[:5]):
                sweep()
            assert subject.clock()["state"] == state, instant


@dataclass(frozen=True)
class Rule:
    """A row that is a rule: no clock; each check says what it proves."""

    starts: str
    keeps: str
    breaches: str
    start: Callable[[Desk, object], None]
    keep: Callable[[Desk, object], None]
    breach: Callable[[Desk, object], None]

    def check_start(self, desk: Desk, travel) -> None:
        self.start(desk, travel)

    def check_keep(self, desk: Desk, travel) -> None:
        self.keep(desk, travel)

    def check_breach(self, desk: Desk, travel) -> None:
        self.breach(desk, travel)


# --- subjects ---------------------------------------------------------------------------------

REQUESTS = "/api/v1/requests/"
CALLS = "/api/v1/calls/"
INCIDENTS = "/api/v1/incidents/"


def a_request(team: str, code: str, **payload) -> Callable[[Desk], Subject]:
    """A request logged by a member of ``team`` (nested customer, e-mail channel)."""

    def start(desk: Desk) -> Subject:
        api = desk.api(team)
        body = posted(
            api,
            REQUESTS,
            {
                "channel": "email",
                "customer": customer(phone="010-1234-5678"),
                "subject": f"Charter row {code}",
                "body": "Please look into it.",
                **payload,
            },
        )
        return Subject(api, f"{REQUESTS}{body['id']}/", code, body)

    return start


def told(purpose: str, when: Instant, channel: str = "email") -> Callable[[Subject], None]:
    """The customer told ``purpose`` on the request at ``when``."""

    def act(subject: Subject) -> None:
        posted(
            subject.api,
            f"{subject.url}communications/",
            {"purpose": purpose, "channel": channel, "summary": f"{purpose}", "at": iso(*when)},
        )

    return act


def a_call(team: str, code: str, **payload) -> Callable[[Desk], Subject]:
    """A call a member of ``team`` took for the person in charge (another member)."""

    def start(desk: Desk) -> Subject:
        api = desk.api(team)
        in_charge = member_of(team, f"rows.{team}.in-charge")
        call = posted(
            api,
            CALLS,
            {
                "caller_name": "김철수",
                "caller_phone": "010-2222-3333",
                "organisation": "Example Securities",
                "rings": 2,
                "person_in_charge": in_charge.pk,
                "summary": "Please call me back.",
                **payload,
            },
        )
        return Subject(api, f"{REQUESTS}{call['request']}/", code, call)

    return start


def called_back(when: Instant) -> Callable[[Subject], None]:
    def act(subject: Subject) -> None:
        posted(subject.api, f"{CALLS}{subject.body['id']}/callback/", {"at": iso(*when)}, code=200)

    return act


def an_incident(team: str, code: str, **payload) -> Callable[[Desk], Subject]:
    """A trouble recorded by a member of ``team``; a contact subscribed to its service, with a
    mobile number and an e-mail, is the affected customer."""

    def start(desk: Desk) -> Subject:
        (service,) = payload["services"]
        affected = CustomerContactFactory(name="이수진", phone="010-3333-4444")
        affected.subscribed_services.add(Service.objects.get(code=service))
        api = desk.api(team)
        body = posted(api, INCIDENTS, {"title": f"Trouble ({code})", **payload})
        return Subject(api, f"{INCIDENTS}{body['id']}/", code, body)

    return start


def incident_told(phase: str, channel: str) -> Callable[[Subject], None]:
    def act(subject: Subject) -> None:
        posted(
            subject.api,
            f"{subject.url}tell/",
            {"phase": phase, "channel": channel, "text": "복구 중입니다."},
            code=200,
        )

    return act


# --- the rows ---------------------------------------------------------------------------------

ROWS: dict[str, Clock | Rule] = {
    "market.business-review": Clock(
        starts="a business review the Market HO is asked for (Christmas morning)",
        keeps="its result told to the customer",
        breaches="seven calendar days later; telling progress does not keep it",
        # Fri 2026-12-25 10:00 + 7 calendar days (holidays no matter) = Fri 2027-01-01 10:00.
        start=a_request(
            "market-it-infra",
            "market.business-review",
            kind="business_review",
            division="market",
            received_at=iso(2026, 12, 25, 10),
        ),
        recorded=(2026, 12, 25, 10, 5),
        due="2027-01-01T10:00:00+09:00",
        keep=told("result", (2026, 12, 31, 15)),
        kept=(2026, 12, 31, 15),
        wrong=told("progress", (2026, 12, 28, 10)),
        wrong_at=(2026, 12, 28, 10),
    ),
    "market.delay-notice": Clock(
        starts="a Market HO request given an expected completion",
        keeps="the delay told to the customer",
        breaches="three days before the expected completion; a progress report does not keep it",
        # Completion Mon 2027-03-15 means its end, Tue 03-16 00:00; three days before is
        # Sat 2027-03-13 00:00 (a Saturday: never moved).
        start=a_request(
            "market-it-infra",
            "market.delay-notice",
            kind="modification",
            division="market",
            received_at=iso(2027, 3, 8, 10),
            expected_completion="2027-03-15",
        ),
        recorded=(2027, 3, 8, 10, 5),
        due="2027-03-13T00:00:00+09:00",
        keep=told("delay", (2027, 3, 11, 16)),
        kept=(2027, 3, 11, 16),
        wrong=told("progress", (2027, 3, 10, 10)),
        wrong_at=(2027, 3, 10, 10),
    ),
    "info.problem-10min": Clock(
        starts="a prompt-service data problem recorded as an incident, from its detection",
        keeps="the problem told to the affected customers by SMS, once the gateway accepts it",
        breaches="ten minutes after detection, around the clock",
        # Detected Sun 2027-01-03 03:00 (a Sunday night: elapsed time) + 10 min.
        start=an_incident(
            "info-data",
            "info.problem-10min",
            kind="data",
            division="information",
            services=["info-data"],
            detected_at=iso(2027, 1, 3, 3),
        ),
        recorded=(2027, 1, 3, 3, 4),
        due="2027-01-03T03:10:00+09:00",
        keep=incident_told("plan", "sms"),
        kept=(2027, 1, 3, 3, 8),
        on_delivery=True,
    ),
    "info.spec-announcement": Clock(
        starts="a trading-information specification recorded as completed",
        keeps="its announcement published on the board",
        breaches="at the closing of the exchange's business day",
        # Completed Thu 2026-12-31 10:00: the exchange is closed (XKRX), Jan 1 is a holiday,
        # then the weekend: due at the closing of Mon 2027-01-04, 18:00.
        start=lambda desk: _announcement(desk, completed=iso(2026, 12, 31, 10)),
        recorded=(2026, 12, 31, 10, 5),
        due="2027-01-04T18:00:00+09:00",
        keep=lambda subject: _published(subject),
        kept=(2027, 1, 4, 11),
    ),
    "finance.test-report": Clock(
        starts="a PowerBase test window, from its end",
        keeps="the customer report of errors and outcomes",
        breaches="one business day after the end (Chuseok skipped)",
        # Ends Wed 2026-09-23 15:00: 3 h that day, Chuseok Thu–Fri, the weekend, 6 h on
        # Mon 09-28 → 15:00.
        start=lambda desk: _window(desk, "finance.test-report"),
        recorded=(2026, 9, 21, 9),
        due="2026-09-28T15:00:00+09:00",
        keep=lambda subject: _reported(subject, (2026, 9, 28, 11)),
        kept=(2026, 9, 28, 11),
    ),
    "finance.pension-callback": Clock(
        starts="a retirement-pension call a colleague took for the person in charge",
        keeps="the call-back recorded",
        breaches="an hour after the call, holiday or not",
        # Fri 2026-10-09 (Hangul Day) 17:30 + 1 h.
        start=a_call(
            "fin-pension",
            "finance.pension-callback",
            division="financial",
            service="retirement-pension",
            received_at=iso(2026, 10, 9, 17, 30),
        ),
        recorded=(2026, 10, 9, 17, 31),
        due="2026-10-09T18:30:00+09:00",
        keep=called_back((2026, 10, 9, 18, 10)),
        kept=(2026, 10, 9, 18, 10),
    ),
    "finance.pension-schedule": Clock(
        starts="a retirement-pension request",
        keeps="its schedule and scope told to the customer",
        breaches="three business days (27 working hours) later; telling a plan does not keep it",
        # Received Wed 2026-12-30 16:00 (public calendar: Dec 31 is a working day): 2 h Wed,
        # 9 h Thu, New Year's Day and the weekend skipped, 9 h Mon 01-04, 7 h Tue → 16:00.
        start=a_request(
            "fin-pension",
            "finance.pension-schedule",
            kind="pension_request",
            division="financial",
            service="retirement-pension",
            received_at=iso(2026, 12, 30, 16),
        ),
        recorded=(2026, 12, 30, 16, 5),
        due="2027-01-05T16:00:00+09:00",
        keep=told("schedule", (2027, 1, 4, 10)),
        kept=(2027, 1, 4, 10),
        wrong=told("plan", (2026, 12, 31, 10)),
        wrong_at=(2026, 12, 31, 10),
    ),
}


def _announcement(desk: Desk, *, completed: str) -> Subject:
    api = desk.api("info-data")
    body = posted(
        api,
        "/api/v1/announcements/",
        {"title_ko": "시세 정보 명세 변경", "body_ko": "새 필드", "spec_completed_at": completed},
    )
    return Subject(api, f"/api/v1/announcements/{body['id']}/", "info.spec-announcement", body)


def _published(subject: Subject) -> None:
    posted(subject.api, f"{subject.url}publish/", {}, code=200)
    board = APIClient().get(f"/notices/announcements/{subject.body['id']}/")
    assert board.status_code == 200  # on the public board


def _window(desk: Desk, code: str) -> Subject:
    api = desk.api("fin-powerbase")
    body = posted(
        api,
        "/api/v1/test-windows/",
        {
            "division": "financial",
            "kind": "customer",
            "starts_at": iso(2026, 9, 21, 10),
            "ends_at": iso(2026, 9, 23, 15),
            "owner": desk.member("fin-powerbase").pk,
            "customer": customer(phone="010-1234-5678"),
        },
    )
    return Subject(api, f"/api/v1/test-windows/{body['id']}/", code, body)


def _reported(subject: Subject, when: Instant) -> None:
    posted(
        subject.api,
        f"{subject.url}report/",
        {"at": iso(*when), "report_outcome": "모든 시나리오 통과", "report_errors": "없음"},
        code=200,
    )


# --- the tests --------------------------------------------------------------------------------

KINDS = {row["code"]: row["target_kind"] for row in COMMITMENTS}


def test_every_row_is_a_catalogue_row_with_a_recipe_of_its_kind():
    for code, recipe in ROWS.items():
        assert isinstance(recipe, Rule) == (KINDS[code] == "rule"), code


@pytest.mark.parametrize("code", ROWS)
def test_start(code, desk, moment):
    ROWS[code].check_start(desk, moment)


@pytest.mark.parametrize("code", ROWS)
def test_keep(code, desk, moment):
    ROWS[code].check_keep(desk, moment)


@pytest.mark.parametrize("code", ROWS)
def test_breach(code, desk, moment):
    ROWS[code].check_breach(desk, moment)
