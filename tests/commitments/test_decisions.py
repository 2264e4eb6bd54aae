"""What a clock owes and when (commitments.decisions): pure functions, no database except the
one test that checks the parameters used here are the seeded catalogue's.

Calendars are Mon–Fri 09:00–18:00 Asia/Seoul. Holidays used (holidays==0.109, 2026):
KR Seollal Feb 16–18, Mar 2 substitute, May 1 Labour Day, Jun 3 local election,
Chuseok Sep 24–26 (Sat 26), Oct 3 (Sat) with Oct 5 substitute, Oct 9; XKRX adds Dec 31.
Every expected instant shows its arithmetic.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commitments import decisions
from commitments.business_time import WorkCalendar
from commitments.deadlines import commitment_params
from commitments.models import Commitment

SEOUL = ZoneInfo("Asia/Seoul")
KR = WorkCalendar(holiday_source="KR")
XKRX = WorkCalendar(holiday_source="XKRX")


def kst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SEOUL)


def _params(kind: str, **extra) -> dict:
    params = {
        "kind": kind,
        "minutes": None,
        "days": None,
        "months": None,
        "reminder_percents": [50, 80],
        "escalation_levels": 2,
        "escalation_2_after_minutes": None,
        "pause_on_waiting": False,
    }
    params.update(extra)
    return params


# The catalogue rows these tests lean on (checked against the seed below).
FEASIBILITY = _params("business_hours", minutes=540, pause_on_waiting=True)
TROUBLE_PLAN = _params("elapsed", minutes=30)
PROGRESS_15D = _params("every", days=15)
SUSPENSION_NOTICE = _params("lead_time", days=7)
INSTITUTIONAL_CHANGE = _params("by_requested_date")
HOMEPAGE_INPUT = _params("same_business_day")
BUSINESS_REVIEW = _params("calendar_days", days=7, pause_on_waiting=True)
CERT_RENEWAL = _params("lead_time", months=1)


@dataclass
class Clock:
    """Just the fields decisions read (a Deadline row has them all)."""

    params: dict
    work_calendar: WorkCalendar
    started_at: datetime
    due_at: datetime
    created_at: datetime
    state: str = "running"
    stopped_at: datetime | None = None
    steps_done: list[str] = field(default_factory=list)
    paused_total: timedelta = timedelta(0)


def clock(params, start, *, calendar=KR, target=None, created_at=None, **fields) -> Clock:
    due = decisions.compute_due(params, calendar, start=start, target=target)
    return Clock(
        params=params,
        work_calendar=calendar,
        started_at=start,
        due_at=due,
        created_at=created_at or start,
        **fields,
    )


def plan(c: Clock) -> list[tuple[str, datetime]]:
    return [(step.key, step.at) for step in decisions.planned_steps(c)]


# --- the catalogue --------------------------------------------------------------------------


CATALOGUE = {
    "common.feasibility": FEASIBILITY,
    "network.trouble-plan": TROUBLE_PLAN,
    "common.progress-15d": PROGRESS_15D,
    "common.suspension-notice": SUSPENSION_NOTICE,
    "common.institutional-change": INSTITUTIONAL_CHANGE,
    "common.homepage-input": HOMEPAGE_INPUT,
    "market.business-review": BUSINESS_REVIEW,
    "cert.renewal-notice": CERT_RENEWAL,
}


def test_the_parameters_used_here_are_the_seeded_catalogues(charter):
    seeded = {}
    for code, expected in CATALOGUE.items():
        params = commitment_params(Commitment.objects.get(code=code))
        seeded[code] = {key: params[key] for key in expected}
    assert seeded == CATALOGUE


# --- compute_due ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "calendar", "start", "target", "due"),
    [
        # SPEC worked example: Wed 15:00–18:00 = 3 h; Chuseok Thu 24–Sat 26, Sun 27 off;
        # Mon 28 09:00 + 6 h = 15:00.
        (FEASIBILITY, KR, kst(2026, 9, 23, 15), None, kst(2026, 9, 28, 15)),
        # Seollal eve Mon Feb 16: Feb 16–18 are holidays, so the count starts Thu Feb 19 09:00;
        # 9 h run out exactly at closing, which is when it is due.
        (FEASIBILITY, KR, kst(2026, 2, 16, 10), None, kst(2026, 2, 19, 18)),
        # Wall clock through the Chuseok Saturday night: 23:50 + 30 min.
        (TROUBLE_PLAN, KR, kst(2026, 9, 26, 23, 50), None, kst(2026, 9, 27, 0, 20)),
        # Received on Labour Day (Fri May 1): weekend, so closing of Mon May 4.
        (HOMEPAGE_INPUT, KR, kst(2026, 5, 1, 10), None, kst(2026, 5, 4, 18)),
        # At exactly closing on Tue Jun 2 belongs to the next day; Wed Jun 3 is the local
        # election, so closing of Thu Jun 4.
        (HOMEPAGE_INPUT, KR, kst(2026, 6, 2, 18), None, kst(2026, 6, 4, 18)),
        # Thu Dec 24 10:00 + 7 days = Thu Dec 31 10:00: the exchange is closed that day, but
        # calendar days are never moved.
        (BUSINESS_REVIEW, XKRX, kst(2026, 12, 24, 10), None, kst(2026, 12, 31, 10)),
        # Suspension from Sat Oct 10 02:00; 7 days before = Sat Oct 3 02:00 (a holiday too),
        # not moved.
        (SUSPENSION_NOTICE, KR, kst(2026, 9, 21, 10), kst(2026, 10, 10, 2), kst(2026, 10, 3, 2)),
        # Certificate expiring Tue Mar 31 10:00; one month before clamps to Sat Feb 28 10:00.
        (CERT_RENEWAL, KR, kst(2026, 1, 5, 10), kst(2026, 3, 31, 10), kst(2026, 2, 28, 10)),
        # Requested for Mon Oct 5 (substitute holiday): Sun 4, Sat 3 (Gaecheonjeol) are not
        # business days, so closing of Fri Oct 2.
        (INSTITUTIONAL_CHANGE, KR, kst(2026, 9, 21, 10), kst(2026, 10, 5), kst(2026, 10, 2, 18)),
        # Thu Sep 3 10:00 + 15 days = Fri Sep 18 10:00.
        (PROGRESS_15D, KR, kst(2026, 9, 3, 10), None, kst(2026, 9, 18, 10)),
    ],
)
def test_compute_due_gives_the_hand_worked_instant(params, calendar, start, target, due):
    assert decisions.compute_due(params, calendar, start=start, target=target) == due


def test_a_target_kind_without_its_target_is_refused():
    with pytest.raises(ValueError, match="needs a target"):
        decisions.compute_due(SUSPENSION_NOTICE, KR, start=kst(2026, 9, 21, 10))


def test_a_rule_computes_no_due_instant():
    with pytest.raises(ValueError, match="does not start a clock"):
        decisions.compute_due(_params("rule"), KR, start=kst(2026, 9, 21, 10), target=None)


# --- planned_steps ---------------------------------------------------------------------------


def test_reminders_fall_at_50_and_80_percent_of_the_working_span_across_chuseok():
    c = clock(FEASIBILITY, kst(2026, 9, 23, 15))
    assert plan(c) == [
        # 50 % of 9 h = 4 h 30: Wed 15:00–18:00 = 3 h, Chuseok and Sunday off,
        # Mon 09:00 + 1 h 30 = 10:30.
        ("reminder-50", kst(2026, 9, 28, 10, 30)),
        # 80 % = 7 h 12: 3 h on Wednesday, Mon 09:00 + 4 h 12 = 13:12.
        ("reminder-80", kst(2026, 9, 28, 13, 12)),
        ("breach", kst(2026, 9, 28, 15)),
        ("escalation-1", kst(2026, 9, 28, 15)),
        # 9 working hours after Mon 15:00: 3 h to closing, Tue 09:00 + 6 h = 15:00.
        ("escalation-2", kst(2026, 9, 29, 15)),
    ]


def test_escalation_2_waits_nine_working_hours_across_the_weekend_and_chuseok():
    # Tue Sep 22 15:00: 3 h on Tuesday, Wed 09:00 + 6 h = due Wed Sep 23 15:00.
    c = clock(FEASIBILITY, kst(2026, 9, 22, 15))
    assert c.due_at == kst(2026, 9, 23, 15)
    # Wed 15:00–18:00 = 3 h; Thu–Sat Chuseok, Sunday; Mon Sep 28 09:00 + 6 h = 15:00.
    assert plan(c)[-1] == ("escalation-2", kst(2026, 9, 28, 15))


def test_a_short_elapsed_clock_escalates_again_a_quarter_of_its_target_later():
    c = clock(TROUBLE_PLAN, kst(2026, 9, 26, 23, 50))
    assert plan(c) == [
        ("reminder-50", kst(2026, 9, 27, 0, 5)),  # 23:50 + 15 min, wall clock
        ("reminder-80", kst(2026, 9, 27, 0, 14)),  # 23:50 + 24 min
        ("breach", kst(2026, 9, 27, 0, 20)),
        ("escalation-1", kst(2026, 9, 27, 0, 20)),
        ("escalation-2", kst(2026, 9, 27, 0, 27, 30)),  # 30 min / 4 = 7 min 30 s after due
    ]


def test_an_elapsed_clock_of_a_business_day_or_more_escalates_nine_working_hours_later():
    # Fri Oct 2 12:00 + 10 h = 22:00; Sat 3, Sun 4, Mon 5 (substitute) off: Tue Oct 6 18:00.
    c = clock(_params("elapsed", minutes=600), kst(2026, 10, 2, 12))
    assert plan(c)[-1] == ("escalation-2", kst(2026, 10, 6, 18))


def test_a_calendar_day_clock_escalates_on_its_own_calendar():
    # Due Thu Dec 31 10:00 on the exchange calendar: Dec 31 closed, Jan 1 holiday, weekend;
    # Mon Jan 4 2027 09:00 + 9 h = 18:00.
    c = clock(BUSINESS_REVIEW, kst(2026, 12, 24, 10), calendar=XKRX)
    assert plan(c)[-1] == ("escalation-2", kst(2027, 1, 4, 18))
    # The public calendar works on Dec 31: 10:00–18:00 = 8 h, Jan 1 off, weekend, Mon 10:00.
    c = clock(BUSINESS_REVIEW, kst(2026, 12, 24, 10), calendar=KR)
    assert plan(c)[-1] == ("escalation-2", kst(2027, 1, 4, 10))


def test_an_explicit_level_2_delay_is_counted_in_the_clocks_own_time():
    params = {**FEASIBILITY, "escalation_2_after_minutes": 120}
    # Due Wed Sep 23 15:00 (as above); 2 working hours later = 17:00.
    c = clock(params, kst(2026, 9, 22, 15))
    assert plan(c)[-1] == ("escalation-2", kst(2026, 9, 23, 17))


@pytest.mark.parametrize(
    ("levels", "keys"),
    [
        (0, ["reminder-50", "reminder-80", "breach"]),
        (1, ["reminder-50", "reminder-80", "breach", "escalation-1"]),
    ],
)
def test_escalation_levels_limit_the_escalations(levels, keys):
    c = clock({**FEASIBILITY, "escalation_levels": levels}, kst(2026, 9, 22, 15))
    assert [key for key, _at in plan(c)] == keys


def test_a_clock_without_reminder_percents_plans_only_breach_and_escalations():
    c = clock({**FEASIBILITY, "reminder_percents": []}, kst(2026, 9, 22, 15))
    assert [key for key, _at in plan(c)] == ["breach", "escalation-1", "escalation-2"]


def test_reminders_after_a_pause_fall_at_the_same_share_of_the_promise():
    # Started Thu Sep 10 10:00; paused Thu 16:00 → resumed Mon Sep 14 11:00 = 13 working
    # hours (Thu 2 h, Fri 9 h, Mon 2 h); due moved from Fri 10:00 to Mon 14:00.
    c = clock(FEASIBILITY, kst(2026, 9, 10, 10), paused_total=timedelta(hours=13))
    c.due_at = kst(2026, 9, 14, 14)
    c.steps_done = ["reminder-50"]
    # 80 % of the 9 running hours is 7 h 12, so 1 h 48 remain: Mon 14:00 − 1 h 48 = 12:12.
    # (80 % of the whole 22 h span would be Mon 09:36, before the resume: it would fire the
    # moment the clock resumed with a third of the time still left.)
    assert decisions.pending_steps(c)[0].key == "reminder-80"
    assert decisions.next_action_at(c) == kst(2026, 9, 14, 12, 12)


# --- pending_steps, next_action_at, decide ------------------------------------------------


@pytest.mark.parametrize(
    ("created_at", "first"),
    [
        # Due Wed Sep 23 15:00; reminders Wed 10:30 (3 h Tue + 1 h 30) and 13:12 (3 h + 4 h 12).
        (kst(2026, 9, 23, 12), ("reminder-80", kst(2026, 9, 23, 13, 12))),
        (kst(2026, 9, 23, 14), ("breach", kst(2026, 9, 23, 15))),
    ],
)
def test_a_back_dated_clock_skips_reminders_whose_moment_passed_before_it_was_recorded(
    created_at, first
):
    c = clock(FEASIBILITY, kst(2026, 9, 22, 15), created_at=created_at)
    step = decisions.pending_steps(c)[0]
    assert (step.key, step.at) == first
    assert decisions.next_action_at(c) == first[1]


def test_a_clock_born_past_due_owes_its_breach_at_once():
    # Suspension from Mon Oct 12 09:00 → notice due Mon Oct 5 09:00; planned only on Oct 8.
    c = clock(SUSPENSION_NOTICE, kst(2026, 10, 8, 10), target=kst(2026, 10, 12, 9))
    assert c.due_at == kst(2026, 10, 5, 9)
    assert decisions.next_action_at(c) == kst(2026, 10, 5, 9)
    step = decisions.decide(c, now=kst(2026, 10, 8, 10))
    assert (step.key, step.at) == ("breach", kst(2026, 10, 5, 9))
    # No reminders for a span that never was; Oct 5 is a holiday: Tue Oct 6 09:00 + 9 h.
    assert plan(c)[1:] == [
        ("escalation-1", kst(2026, 10, 5, 9)),
        ("escalation-2", kst(2026, 10, 6, 18)),
    ]


def test_decide_walks_the_plan_one_step_at_a_time():
    c = clock(FEASIBILITY, kst(2026, 9, 22, 15))
    assert decisions.decide(c, now=kst(2026, 9, 23, 10, 29, 59)) is None
    seen = []
    for now in [
        kst(2026, 9, 23, 10, 30),  # reminder-50
        kst(2026, 9, 23, 13, 12),  # reminder-80
        kst(2026, 9, 23, 15),  # breach
        kst(2026, 9, 23, 15),  # escalation-1, the same instant
        kst(2026, 9, 28, 15),  # escalation-2 after Chuseok
    ]:
        step = decisions.decide(c, now=now)
        seen.append(step.key)
        c.steps_done.append(step.key)
        if step.kind == "breach":
            c.state = "breached"
    assert seen == ["reminder-50", "reminder-80", "breach", "escalation-1", "escalation-2"]
    assert decisions.decide(c, now=kst(2026, 12, 31)) is None
    assert decisions.next_action_at(c) is None


def test_a_sweep_that_was_down_gets_the_overdue_reminders_first_and_flags_them_overtaken():
    c = clock(FEASIBILITY, kst(2026, 9, 22, 15))
    late = kst(2026, 9, 23, 16)  # after due
    step = decisions.decide(c, now=late)
    assert step.key == "reminder-50"
    assert decisions.is_overtaken(c, step, now=late)
    assert not decisions.is_overtaken(c, step, now=kst(2026, 9, 23, 10, 30))


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "paused"},
        {"state": "met", "stopped_at": kst(2026, 9, 23, 9)},
        {"state": "cancelled", "stopped_at": kst(2026, 9, 23, 9)},
        {"state": "breached", "stopped_at": kst(2026, 9, 23, 16)},  # stopped late
    ],
)
def test_a_clock_that_is_not_counting_owes_nothing(fields):
    c = clock(FEASIBILITY, kst(2026, 9, 22, 15), **fields)
    assert decisions.pending_steps(c) == []
    assert decisions.next_action_at(c) is None
    assert decisions.decide(c, now=kst(2026, 12, 31)) is None


def test_a_breached_clock_still_owes_its_escalations():
    c = clock(FEASIBILITY, kst(2026, 9, 22, 15), state="breached")
    c.steps_done = ["reminder-50", "reminder-80", "breach"]
    assert [s.key for s in decisions.pending_steps(c)] == ["escalation-1", "escalation-2"]
