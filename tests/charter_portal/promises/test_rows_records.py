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

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from commitments.models import Service, Team
from commitments.seed_data import COMMITMENTS
from tests.charter_portal.promises.conftest import sweep
from tests.factories import CustomerContactFactory, UserFactory
from tests.requests_desk.api_support import client_for, customer, member_of
from tests.requests_desk.public.support import api_complaint, forget_rate_limits
from tests.seoul import SEOUL, at

pytestmark = pytest.mark.django_db

Instant = tuple[int, ...]


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
        affected = CustomerContactFactory(
            name="이수진", email="sujin@example.com", phone="010-3333-4444"
        )
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
    "finance.test-owner": Clock(
        starts="a PowerBase test window, from its start",
        keeps="the customer e-mailed who owns the test, once the mail server accepts it",
        breaches="one business day after the start (a weekend in between)",
        # Starts Fri 2026-09-18 15:00: 3 h that day, the weekend, 6 h on Mon 09-21 → 15:00.
        start=lambda desk: _window(desk, "finance.test-owner"),
        recorded=(2026, 9, 18, 9),
        due="2026-09-21T15:00:00+09:00",
        keep=lambda subject: posted(
            subject.api, f"{subject.url}owner-tell/", {"language": "ko"}, code=200
        ),
        kept=(2026, 9, 21, 10),
        on_delivery=True,
    ),
    "network.trouble-plan": Clock(
        starts="a network trouble recorded as an incident, from its report",
        keeps="the handling time and plan by SMS to the affected customers, once accepted",
        breaches="30 minutes after the report; telling them a result instead does not keep it",
        # Reported (recorded) Sun 2026-11-08 21:50, detected 21:40: due 22:20.
        start=an_incident(
            "net-support",
            "network.trouble-plan",
            kind="network",
            division="infrastructure",
            services=["network"],
            detected_at=iso(2026, 11, 8, 21, 40),
        ),
        recorded=(2026, 11, 8, 21, 50),
        due="2026-11-08T22:20:00+09:00",
        keep=incident_told("plan", "sms"),
        kept=(2026, 11, 8, 22, 5),
        on_delivery=True,
        wrong=incident_told("result", "sms"),
        wrong_at=(2026, 11, 8, 22),
    ),
    "finance.test-report": Clock(
        starts="a PowerBase test window, from its end",
        keeps="the customer report of errors and outcomes",
        breaches="one business day after the end (Chuseok skipped)",
        # Ends Wed 2026-09-23 15:00: 3 h that day, Chuseok Thu–Fri, the weekend, 6 h on
        # Mon 09-28 → 15:00.
        start=lambda desk: _window(desk, "finance.test-report"),
        recorded=(2026, 9, 18, 9),
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
    "bcp.trouble-sms": Clock(
        starts="a BCP trouble recorded as an incident, from its detection",
        keeps="the trouble SMS to the affected customers, once the gateway accepts it",
        breaches="30 minutes after detection; a phone call to them does not keep it",
        # Detected Sat 2026-11-07 02:00 (a weekend night: elapsed time) + 30 min.
        start=an_incident(
            "bcp",
            "bcp.trouble-sms",
            kind="bcp",
            division="infrastructure",
            services=["bcp"],
            detected_at=iso(2026, 11, 7, 2),
        ),
        recorded=(2026, 11, 7, 2, 3),
        due="2026-11-07T02:30:00+09:00",
        keep=incident_told("plan", "sms"),
        kept=(2026, 11, 7, 2, 10),
        on_delivery=True,
        wrong=incident_told("plan", "phone"),
        wrong_at=(2026, 11, 7, 2, 5),
    ),
    "bcp.trouble-result": Clock(
        starts="the same BCP incident, from its detection",
        keeps="the result told to the affected customers by e-mail, once the server accepts it",
        breaches="three hours after detection; the trouble SMS alone does not keep it",
        # Detected Sat 2026-11-07 02:00 + 3 h.
        start=an_incident(
            "bcp",
            "bcp.trouble-result",
            kind="bcp",
            division="infrastructure",
            services=["bcp"],
            detected_at=iso(2026, 11, 7, 2),
        ),
        recorded=(2026, 11, 7, 2, 3),
        due="2026-11-07T05:00:00+09:00",
        keep=incident_told("result", "email"),
        kept=(2026, 11, 7, 4),
        on_delivery=True,
        wrong=incident_told("plan", "sms"),
        wrong_at=(2026, 11, 7, 2, 10),
    ),
    "bcp.materials-3d": Clock(
        starts="a request for BCP materials involving other departments",
        keeps="the delay (progress and expected date) told to the customer",
        breaches="three business days (27 working hours) later; a progress note does not keep it",
        # Received Fri 2026-10-02 14:00: 4 h Fri, the weekend with National Foundation Day
        # (Sat 10-03) and its substitute holiday Mon 10-05 skipped, 9 h Tue, 9 h Wed, 5 h Thu
        # → Thu 2026-10-08 14:00.
        start=a_request(
            "bcp",
            "bcp.materials-3d",
            kind="materials_request",
            division="infrastructure",
            service="bcp",
            received_at=iso(2026, 10, 2, 14),
        ),
        recorded=(2026, 10, 2, 14, 5),
        due="2026-10-08T14:00:00+09:00",
        keep=told("delay", (2026, 10, 8, 10)),
        kept=(2026, 10, 8, 10),
        wrong=told("progress", (2026, 10, 6, 10)),
        wrong_at=(2026, 10, 6, 10),
    ),
    "bizdev.callback-1h": Clock(
        starts="a Business Development call a colleague took for the person in charge",
        keeps="the call-back recorded",
        breaches="an hour after the call, holiday or not",
        # Fri 2026-12-25 (Christmas) 11:00 + 1 h.
        start=a_call(
            "bizdev", "bizdev.callback-1h", division="bizdev", received_at=iso(2026, 12, 25, 11)
        ),
        recorded=(2026, 12, 25, 11, 1),
        due="2026-12-25T12:00:00+09:00",
        keep=called_back((2026, 12, 25, 11, 40)),
        kept=(2026, 12, 25, 11, 40),
    ),
    "bizdev.feedback-1w": Clock(
        starts="a consultation that needs internal review",
        keeps="the review's feedback told to the customer",
        breaches="seven calendar days later; a result that is not the feedback does not keep it",
        # Thu 2026-09-24 (Chuseok) 10:00 + 7 calendar days = Thu 2026-10-01 10:00.
        start=a_request(
            "bizdev",
            "bizdev.feedback-1w",
            kind="bizdev_consultation",
            division="bizdev",
            received_at=iso(2026, 9, 24, 10),
        ),
        recorded=(2026, 9, 24, 10, 5),
        due="2026-10-01T10:00:00+09:00",
        keep=told("feedback", (2026, 9, 30, 15)),
        kept=(2026, 9, 30, 15),
        wrong=told("result", (2026, 9, 28, 10)),
        wrong_at=(2026, 9, 28, 10),
    ),
    "voice.complaint-feedback": Clock(
        starts="a complaint a customer files on the homepage (public API)",
        keeps="the team manager's feedback, given on the request page and e-mailed",
        breaches="one business day later; feedback typed by staff who are not managers is refused",
        # Filed Fri 2026-10-02 16:00, placed in Network Support (public calendar): 2 h Fri,
        # the weekend and the substitute holiday Mon 10-05 skipped, 7 h Tue → 16:00.
        start=lambda desk: _complaint(desk),
        recorded=(2026, 10, 2, 16),
        due="2026-10-06T16:00:00+09:00",
        keep=lambda subject: _feedback(subject, by="mgr.net-support", answer=302),
        kept=(2026, 10, 6, 11),
        wrong=lambda subject: _feedback(subject, by="rows.net-support", answer=400),
        wrong_at=(2026, 10, 5, 11),
    ),
    "cert.renewal-notice": Clock(
        starts="a certificate recorded with its expiry",
        keeps="the renewal guidance by SMS, once the gateway accepts it",
        breaches="a month before the expiry day begins",
        # Expires Wed 2027-06-30: one month before its first instant is Sun 2027-05-30 00:00
        # (a Sunday: never moved).
        start=lambda desk: _certificate(desk, expires_on="2027-06-30"),
        recorded=(2027, 1, 4, 10),
        due="2027-05-30T00:00:00+09:00",
        keep=lambda subject: posted(
            subject.api, f"{subject.url}guide/", {"channels": ["sms"]}, code=200
        ),
        kept=(2027, 5, 20, 10),
        on_delivery=True,
    ),
    "bcp.handover": Clock(
        starts="a personnel handover on the BCP service, when its month of parallel operation ends",
        keeps="the drill's measured result e-mailed to the service's customers, once accepted",
        breaches="a calendar month later; recording the drill without reporting it does not",
        # Parallel operation Tue 2026-12-01 – Thu 12-31 (the shortest allowed): the clock starts
        # Fri 2027-01-01 00:00 and is due a calendar month later, Mon 2027-02-01 00:00.
        start=lambda desk: _handover(desk),
        recorded=(2026, 12, 1, 9),
        due="2027-02-01T00:00:00+09:00",
        keep=lambda subject: _drill(subject, report=True),
        kept=(2027, 1, 20, 10),
        on_delivery=True,
        wrong=lambda subject: _drill(subject, report=False),
        wrong_at=(2027, 1, 20, 10),
    ),
    "market.materials-owner": Rule(
        starts="a question on materials the Market HO delivered (no clock: a rule)",
        keeps="the question goes to the person who delivered them",
        breaches="never to someone who left: then their team's manager answers, said on the case",
        start=lambda desk, travel: _materials(desk, left=False, check="start"),
        keep=lambda desk, travel: _materials(desk, left=False, check="keep"),
        breach=lambda desk, travel: _materials(desk, left=True, check="breach"),
    ),
    "network.emergency-contacts": Rule(
        starts="an admin adds a weekend on-call contact to the network's table (admin page)",
        keeps="on that weekend night the public page lists them with their number",
        breaches="once their dates are over (or before they begin) the page no longer shows them",
        start=lambda desk, travel: _on_call(desk, check="start"),
        keep=lambda desk, travel: _on_call(desk, check="keep"),
        breach=lambda desk, travel: _on_call(desk, check="breach"),
    ),
    "voice.unkind-report": Rule(
        starts="a customer reports unkind service on the homepage (public API)",
        keeps="the division's manager confirms it: a coupon, e-mailed to the reporter",
        breaches="no coupon but by a manager's confirmation: staff are refused; a rejection: none",
        start=lambda desk, travel: _unkind(desk, travel, check="start"),
        keep=lambda desk, travel: _unkind(desk, travel, check="keep"),
        breach=lambda desk, travel: _unkind(desk, travel, check="breach"),
    ),
    "voice.survey-publish": Rule(
        starts="staff record phone-monitoring scores on the desk page during a quarter",
        keeps="once the quarter is over the public results page publishes its count and average",
        breaches="never a group too small to stay anonymous, nor a quarter as final while it runs",
        start=lambda desk, travel: _scores(desk, count=5, check="start"),
        keep=lambda desk, travel: _scores(desk, count=5, check="keep"),
        breach=lambda desk, travel: _scores(desk, count=4, check="breach"),
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
            "starts_at": iso(2026, 9, 18, 15),
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


def _complaint(desk: Desk) -> Subject:
    """A complaint through the public API, read by the staff of the team it is placed in."""
    forget_rate_limits()
    filed = posted(
        APIClient(), "/api/v1/public/complaints/", api_complaint(email="kim@example.com")
    )
    api = desk.api("net-support")
    (found,) = api.get(REQUESTS, {"tracking_code": filed["tracking_code"]}).json()["results"]
    return Subject(api, f"{REQUESTS}{found['id']}/", "voice.complaint-feedback", found)


def _feedback(subject: Subject, *, by: str, answer: int) -> None:
    """Feedback on the complaint posted from its page by the user ``by``."""
    page = Client()
    page.force_login(get_user_model().objects.get(username=by))
    response = page.post(
        f"/desk/requests/{subject.body['id']}/communicate/",
        {
            "communicate-purpose": "feedback",
            "communicate-channel": "email",
            "communicate-summary": "팀장 확인 결과 재발 방지 조치를 마쳤습니다.",
        },
    )
    assert response.status_code == answer, response.content


def _certificate(desk: Desk, *, expires_on: str) -> Subject:
    api = desk.api("cert")
    body = posted(
        api,
        "/api/v1/certificates/",
        {
            "division": "infrastructure",
            "customer": customer(phone="010-1234-5678"),
            "product": "증권전자인증",
            "serial": "SN-ROWS-1",
            "expires_on": expires_on,
        },
    )
    return Subject(api, f"/api/v1/certificates/{body['id']}/", "cert.renewal-notice", body)


def _handover(desk: Desk) -> Subject:
    """A handover between two BCP members; a customer who brought a BCP request last month
    is the one the drill's result is owed to."""
    with at(2026, 11, 10, 10):
        a_request("bcp", "", kind="materials_request", division="infrastructure", service="bcp")(
            desk
        )
    api = desk.api("bcp")
    body = posted(
        api,
        "/api/v1/handovers/",
        {
            "division": "infrastructure",
            "outgoing": member_of("bcp", "rows.bcp.outgoing").pk,
            "incoming": member_of("bcp", "rows.bcp.incoming").pk,
            "services": ["bcp"],
            "parallel_from": "2026-12-01",
            "parallel_until": "2026-12-31",
        },
    )
    return Subject(api, f"/api/v1/handovers/{body['id']}/", "bcp.handover", body)


def _drill(subject: Subject, *, report: bool) -> None:
    """The drill held on 2027-01-15 recorded, and its result reported if ``report``."""
    drill = {"drill_on": "2027-01-15", "drill_accuracy": 95, "drill_minutes": 42}
    posted(subject.api, f"{subject.url}drill/", {**drill, "target_minutes": 45}, code=200)
    if report:
        summary = {"summary": "모의훈련 결과 목표 시간 안에 복구했습니다."}
        posted(subject.api, f"{subject.url}report/", summary, code=200)


def _materials(desk: Desk, *, left: bool, check: str) -> None:
    api, deliverer = desk.api("market-it-infra"), member_of("market-it-infra", "rows.deliverer")
    with at(2027, 3, 2, 10):
        delivery = posted(
            api,
            "/api/v1/deliveries/",
            {
                "division": "market",
                "customer": customer(),
                "material": "2027년 시장 데이터 명세서",
                "delivered_by": deliverer.pk,
                "delivered_on": "2027-03-02",
            },
        )
    assert delivery["deadlines"] == []  # a rule, not a clock
    if left:
        deliverer.is_active = False
        deliverer.save(update_fields=["is_active"])
    with at(2027, 3, 5, 10):
        asked = posted(
            api,
            f"/api/v1/deliveries/{delivery['id']}/inquiry/",
            {"subject": "명세서 3장 문의", "body": "필드 길이가 다릅니다."},
            code=200,
        )
        (request_id,) = asked["inquiries"]
        request = api.get(f"{REQUESTS}{request_id}/").json()
    if check == "start":
        assert request["kind"] == "materials_inquiry"
        assert request["customer"]["email"] == "hong@example.com"
    elif check == "keep":
        assert request["assignee"] == deliverer.pk
    else:
        manager = Team.objects.get(code="market-it-infra").manager
        assert request["assignee"] == manager.pk != deliverer.pk


def _on_call(desk: Desk, *, check: str) -> None:
    """A contact on call for the network on the weekend of Sat 2026-11-07 – Sun 11-08."""
    admin = Client()
    admin.force_login(UserFactory(username="rows.admin", is_superuser=True))
    with at(2026, 11, 2, 10):
        added = admin.post(
            "/admin/commitments/contact/add/",
            {
                "service": Service.objects.get(code="network").pk,
                "name": "주말당직 김네트",
                "role": "primary",
                "phone": "02-0000-7001",
                "email": "weekend.net@example.com",
                "on_call": "on",
                "effective_from": "2026-11-07",
                "effective_until": "2026-11-08",
            },
        )
    assert added.status_code == 302, added.content

    def listed(*when: int) -> bool:
        with at(*when):
            page = Client().get("/emergency-contacts/").content.decode()
        return "주말당직 김네트" in page and "02-0000-7001" in page

    if check == "start":
        assert not listed(2026, 11, 6, 17)  # Friday: not on call yet
    elif check == "keep":
        assert listed(2026, 11, 7, 23)  # Saturday night
        assert listed(2026, 11, 8, 23, 59)  # to the end of Sunday
    else:
        assert not listed(2026, 11, 9, 0, 1)  # Monday: the weekend's table is over


def _unkind(desk: Desk, travel, *, check: str) -> None:
    forget_rate_limits()
    with at(2026, 12, 1, 14):
        filed = posted(
            APIClient(),
            "/api/v1/public/complaints/",
            api_complaint(
                category="unkind_service",
                occasion="11월 30일 오후 3시 전화 상담",
                employee_name="박상담",
            ),
        )
    manager = client_for(get_user_model().objects.get(username="mgr.net-support"))
    (report,) = manager.get("/api/v1/unkind-reports/", {"state": "pending"}).json()["results"]
    assert report["tracking_code"] == filed["tracking_code"]
    decision = f"/api/v1/unkind-reports/{report['id']}/decision/"
    if check == "start":
        assert (report["coupon_code"], report["employee_name"]) == (None, "박상담")
    elif check == "keep":
        with travel(2026, 12, 2, 10):
            coupon = posted(manager, decision, {"decision": "confirm"}, code=200)["coupon_code"]
            deliver()
        assert coupon.startswith("GC-")
        assert [m.to for m in mail.outbox if coupon in m.body] == [["hong@example.com"]]
    else:
        staff = desk.api("net-support")
        refused = staff.post(decision, {"decision": "confirm"}, format="json")
        assert refused.status_code == 403
        with at(2026, 12, 2, 10):
            rejected = posted(
                manager,
                decision,
                {"decision": "reject", "note": "녹취 확인 결과 해당 없음"},
                code=200,
            )
        assert (rejected["state"], rejected["coupon_code"]) == ("rejected", None)


def _scores(desk: Desk, *, count: int, check: str) -> None:
    """``count`` phone-monitoring scores for the Infrastructure HO on Mon 2026-08-10, in
    2026Q3: 5, 4, 4, 3, 2 (average 18 / 5 = 3.60)."""
    page = Client()
    page.force_login(desk.member("net-support"))
    division = Service.objects.get(code="network").division_id
    with at(2026, 8, 10, 15):
        for score in (5, 4, 4, 3, 2)[:count]:
            recorded = page.post(
                "/desk/voice/phone-scores/", {"division": division, "score": score}
            )
            assert recorded.status_code == 302, recorded.content

    def published(*when: int) -> str:
        with at(*when):
            response = Client().get("/en/surveys/results/", {"quarter": "2026Q3"})
        assert response.status_code == 200
        return re.search(
            r'data-source="phone_monitoring">(.*?)</section>', response.content.decode(), re.S
        ).group(1)

    if check == "start":
        with at(2026, 8, 10, 16):
            running = Client().get("/en/surveys/results/", {"quarter": "2026Q3"})
        assert "still in progress" in running.content.decode()
        assert re.search(r'group-count">5<', published(2026, 8, 10, 16))
    elif check == "keep":
        section = published(2026, 10, 1, 9)
        assert re.search(r'group-count">5<', section), section
        assert re.search(r'group-average">3.60<', section), section
    else:
        section = published(2026, 10, 1, 9)
        assert "group-average" not in section
        assert "1 division with too few responses is not shown." in section


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
