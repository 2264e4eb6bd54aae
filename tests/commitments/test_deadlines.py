"""The clock services (commitments.deadlines) on the seeded charter: the rows and events they
write. Subjects are bare (``subject_type="test"``); no request model is involved.

Calendars are Mon–Fri 09:00–18:00 Asia/Seoul. Holidays used (holidays==0.109, 2026):
KR Seollal Feb 16–18, Chuseok Sep 24–26 (Sat 26), Oct 3 (Sat) with Oct 5 substitute, Oct 9,
Jan 1; the exchange calendar (XKRX) also closes Dec 31. Every expected instant shows its
arithmetic. The services take the instant of the act (``at``/``now``), so no clock travel.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from commitments import decisions
from commitments.deadlines import (
    ClockError,
    deadline_cancel,
    deadline_explain,
    deadline_pause,
    deadline_recompute,
    deadline_record_step,
    deadline_resume,
    deadline_start,
    deadline_stop,
)
from commitments.models import (
    Calendar,
    Closure,
    Commitment,
    Deadline,
    DeadlineEvent,
    DeadlineState,
    Division,
)

SEOUL = ZoneInfo("Asia/Seoul")
H = timedelta(hours=1)


def kst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SEOUL)


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """Seed the charter once for the module inside a transaction that is rolled back at the
    end; each test's own transaction is a savepoint inside it. (Seeding takes about a second,
    far too long to repeat for every test.)"""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        call_command("seed_charter", verbosity=0)
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def charter(_seeded_once, db):
    """The seeded charter (this module's faster stand-in for conftest's fixture)."""


pytestmark = pytest.mark.usefixtures("charter")


def start(code: str, started_at: datetime, *, now: datetime | None = None, **kwargs) -> Deadline:
    return deadline_start(
        commitment=Commitment.objects.get(code=code),
        subject_type="test",
        subject_id="1",
        started_at=started_at,
        now=now or started_at,
        **kwargs,
    )


def reload(deadline: Deadline) -> Deadline:
    return Deadline.objects.get(pk=deadline.pk)


def events(deadline: Deadline) -> list[tuple[str, str | None, datetime]]:
    return [(e.kind, e.step_key, e.at) for e in deadline.events.order_by("id")]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def sweep(deadline: Deadline, *, now: datetime) -> decisions.Step:
    """What the sweep does with one claimed clock: decide, then record."""
    step = decisions.decide(deadline, now=now)
    assert step is not None, f"nothing due on clock {deadline.pk} at {now}"
    deadline_record_step(deadline, step, now=now)
    return step


# --- start ----------------------------------------------------------------------------------


def test_it_starts_the_spec_example_frozen_with_its_parameters_and_calendar():
    feasibility = Commitment.objects.get(code="common.feasibility")
    clock = start("common.feasibility", kst(2026, 9, 23, 15), subject_label="Screen change")
    clock = reload(clock)

    # Wed 15:00–18:00 = 3 h; Chuseok Thu 24–Sat 26, Sunday; Mon 28 09:00 + 6 h = 15:00.
    assert clock.due_at == kst(2026, 9, 28, 15)
    assert clock.state == DeadlineState.RUNNING
    assert clock.calendar_code == "kr-public"  # company-wide, no division: the public calendar
    assert clock.params == {
        "kind": "business_hours",
        "minutes": 540,
        "days": None,
        "months": None,
        "reminder_percents": [50, 80],
        "escalation_levels": 2,
        "escalation_2_after_minutes": None,
        "pause_on_waiting": True,
        "urgent": False,
        "stop_purposes": ["feasibility"],
        "stop_channels": [],
        "stop_on_delivery": False,
        "stop_status": "",
        "commitment_version": feasibility.history.latest().history_id,
    }
    frozen = clock.terms.calendar
    assert {k: frozen[k] for k in ("tz_name", "hours", "holiday_source", "closures")} == {
        "tz_name": "Asia/Seoul",
        "hours": [["09:00", "18:00"]] * 5 + [None, None],
        "holiday_source": "KR",
        "closures": [],
    }
    # The holidays themselves are frozen too, for the years around the clock.
    assert frozen["frozen_years"] == [2025, 2028]
    assert frozen["frozen_holidays"]["2026-09-25"] == "추석"
    assert (clock.subject_type, clock.subject_id, clock.cycle) == ("test", "1", 1)
    # The first reminder: 50 % of 9 h = 4 h 30 → 3 h on Wednesday, Mon 09:00 + 1 h 30.
    assert clock.next_action_at == kst(2026, 9, 28, 10, 30)

    started = clock.events.get()
    assert (started.kind, started.at) == ("started", kst(2026, 9, 23, 15))
    assert instant(started.data["due_at"]) == kst(2026, 9, 28, 15)


@pytest.mark.parametrize(
    ("code", "started_at", "target_at", "due"),
    [
        # Seollal eve Mon Feb 16: Feb 16–18 off, Thu Feb 19 09:00 + 9 h = exactly closing.
        ("common.feasibility", kst(2026, 2, 16, 10), None, kst(2026, 2, 19, 18)),
        # Elapsed, 24×7, through the Chuseok Saturday night: 23:50 + 30 min.
        ("network.trouble-plan", kst(2026, 9, 26, 23, 50), None, kst(2026, 9, 27, 0, 20)),
        # Received on Labour Day (Fri May 1), weekend: closing of Mon May 4.
        ("common.homepage-input", kst(2026, 5, 1, 10), None, kst(2026, 5, 4, 18)),
        # At exactly closing Tue Jun 2 → next day, which is the local election: Thu Jun 4.
        ("common.homepage-input", kst(2026, 6, 2, 18), None, kst(2026, 6, 4, 18)),
        # Thu Dec 24 10:00 + 7 days = Thu Dec 31 10:00, an exchange closure, not moved.
        ("market.business-review", kst(2026, 12, 24, 10), None, kst(2026, 12, 31, 10)),
        # Suspension from Sat Oct 10 02:00, notice 7 days before: Sat Oct 3 02:00 (a holiday,
        # not moved).
        (
            "common.suspension-notice",
            kst(2026, 9, 21, 10),
            kst(2026, 10, 10, 2),
            kst(2026, 10, 3, 2),
        ),
        # Requested for Mon Oct 5 (substitute holiday): Sun 4 and Sat 3 are not business days
        # either, so closing of Fri Oct 2.
        (
            "common.institutional-change",
            kst(2026, 9, 21, 10),
            kst(2026, 10, 5),
            kst(2026, 10, 2, 18),
        ),
        # Thu Sep 3 10:00 + 15 days = Fri Sep 18 10:00.
        ("common.progress-15d", kst(2026, 9, 3, 10), None, kst(2026, 9, 18, 10)),
    ],
)
def test_it_starts_each_kind_with_its_hand_worked_due_instant(code, started_at, target_at, due):
    clock = reload(start(code, started_at, target_at=target_at))
    assert clock.due_at == due
    assert clock.target_at == target_at


@pytest.mark.parametrize(
    ("division", "calendar_code", "due"),
    [
        # Exchange: Wed Dec 30 15:00–18:00 = 3 h; Dec 31 closed, Jan 1 holiday, weekend;
        # Mon Jan 4 2027 09:00 + 6 h = 15:00.
        ("market", "krx-exchange", kst(2027, 1, 4, 15)),
        ("information", "krx-exchange", kst(2027, 1, 4, 15)),
        # Public calendar: 3 h on Wednesday, Thu Dec 31 09:00 + 6 h = 15:00.
        ("financial", "kr-public", kst(2026, 12, 31, 15)),
        (None, "kr-public", kst(2026, 12, 31, 15)),
    ],
)
def test_it_counts_on_the_calendar_of_the_cases_division(division, calendar_code, due):
    clock = start(
        "common.feasibility",
        kst(2026, 12, 30, 15),
        division=Division.objects.get(code=division) if division else None,
    )
    clock = reload(clock)
    assert (clock.calendar_code, clock.due_at) == (calendar_code, due)
    assert (
        clock.terms.calendar["holiday_source"]
        == Calendar.objects.get(code=calendar_code).holiday_source
    )


def test_a_market_commitment_uses_the_exchange_calendar_without_being_told():
    clock = reload(start("market.business-review", kst(2026, 12, 24, 10)))
    assert clock.division.code == "market"
    assert clock.calendar_code == "krx-exchange"
    # Its level-2 escalation counts 9 exchange hours after Thu Dec 31 10:00: Dec 31 closed,
    # Jan 1 holiday, weekend; Mon Jan 4 2027 09:00–18:00.
    assert decisions.planned_steps(clock)[-1].at == kst(2027, 1, 4, 18)


@pytest.mark.parametrize("code", ["phone.transfer-context", "phone.answer-3-rings"])
def test_a_commitment_without_a_clock_refuses_to_start(code):
    with pytest.raises(ClockError, match="starts no clock"):
        start(code, kst(2026, 9, 23, 15))
    assert not Deadline.objects.exists()


def test_it_refuses_naive_instants():
    with pytest.raises(ValueError, match="started_at must carry a time zone"):
        start("common.feasibility", datetime(2026, 9, 23, 15), now=kst(2026, 9, 23, 15))
    with pytest.raises(ValueError, match="target_at must carry a time zone"):
        start("common.suspension-notice", kst(2026, 9, 21, 10), target_at=datetime(2026, 10, 10, 2))
    assert not Deadline.objects.exists()


def test_a_lead_time_clock_without_its_target_is_refused():
    with pytest.raises(ValueError, match="needs a target"):
        start("common.suspension-notice", kst(2026, 9, 21, 10))
    assert not Deadline.objects.exists()


@pytest.mark.parametrize(
    ("recorded_at", "next_action_at"),
    [
        # Started Tue Sep 22 15:00, due Wed 15:00 (3 h Tue + 6 h Wed). Reminder-50 at Wed 10:30
        # (3 h + 1 h 30) passed before the clock was recorded; reminder-80 at Wed 13:12 did not.
        (kst(2026, 9, 23, 12), kst(2026, 9, 23, 13, 12)),
        # Recorded at 14:00: both reminders passed, the breach is next.
        (kst(2026, 9, 23, 14), kst(2026, 9, 23, 15)),
    ],
)
def test_a_back_dated_clock_skips_the_reminders_it_was_recorded_too_late_for(
    recorded_at, next_action_at
):
    clock = start("common.feasibility", kst(2026, 9, 22, 15), now=recorded_at)
    clock = reload(clock)
    assert clock.created_at == recorded_at
    assert clock.next_action_at == next_action_at
    assert decisions.decide(clock, now=recorded_at) is None


def test_a_clock_born_past_due_is_breached_at_once_at_its_due_instant():
    # Suspension from Mon Oct 12 09:00 → notice due Mon Oct 5 09:00; the plan is entered
    # only on Thu Oct 8.
    entered = kst(2026, 10, 8, 10)
    clock = start("common.suspension-notice", entered, target_at=kst(2026, 10, 12, 9))
    clock = reload(clock)
    assert clock.due_at == kst(2026, 10, 5, 9)
    assert clock.next_action_at == kst(2026, 10, 5, 9)

    assert sweep(clock, now=entered).key == "breach"
    clock = reload(clock)
    assert clock.state == DeadlineState.BREACHED
    assert events(clock)[-1] == ("breached", "breach", kst(2026, 10, 5, 9))
    # Escalation 1 at due, then 9 working hours: Oct 5 is a holiday, Tue Oct 6 09:00–18:00.
    assert sweep(clock, now=entered).key == "escalation-1"
    assert clock.next_action_at == kst(2026, 10, 6, 18)


# --- decide and record_step -------------------------------------------------------------------


def test_the_sweep_reminds_breaches_and_escalates_in_order_at_the_planned_instants():
    # Tue Sep 22 15:00: 3 h on Tuesday, Wed 09:00 + 6 h → due Wed Sep 23 15:00.
    clock = start("common.feasibility", kst(2026, 9, 22, 15))
    # 50 % = 4 h 30: 3 h Tuesday, overnight, Wed 09:00 + 1 h 30 = 10:30.
    assert clock.next_action_at == kst(2026, 9, 23, 10, 30)
    assert decisions.decide(clock, now=kst(2026, 9, 23, 10, 29)) is None

    assert sweep(clock, now=kst(2026, 9, 23, 10, 30, 2)).key == "reminder-50"
    # 80 % = 7 h 12: 3 h Tuesday, Wed 09:00 + 4 h 12 = 13:12.
    assert clock.next_action_at == kst(2026, 9, 23, 13, 12)
    assert sweep(clock, now=kst(2026, 9, 23, 13, 12, 2)).key == "reminder-80"
    assert clock.next_action_at == kst(2026, 9, 23, 15)

    # The sweep was down for an hour and a half: the breach still counts from 15:00.
    assert sweep(clock, now=kst(2026, 9, 23, 16, 30)).key == "breach"
    assert reload(clock).state == DeadlineState.BREACHED
    assert sweep(clock, now=kst(2026, 9, 23, 16, 30)).key == "escalation-1"
    # Level 2 after 9 working hours: Wed 15:00–18:00 = 3 h, Chuseok Thu–Sat, Sunday,
    # Mon Sep 28 09:00 + 6 h = 15:00.
    assert clock.next_action_at == kst(2026, 9, 28, 15)
    assert decisions.decide(clock, now=kst(2026, 9, 28, 14, 59)) is None
    assert sweep(clock, now=kst(2026, 9, 28, 15, 0, 1)).key == "escalation-2"

    clock = reload(clock)
    assert clock.next_action_at is None
    assert clock.steps_done == [
        "reminder-50",
        "reminder-80",
        "breach",
        "escalation-1",
        "escalation-2",
    ]
    assert events(clock) == [
        ("started", None, kst(2026, 9, 22, 15)),
        ("reminder", "reminder-50", kst(2026, 9, 23, 10, 30)),
        ("reminder", "reminder-80", kst(2026, 9, 23, 13, 12)),
        ("breached", "breach", kst(2026, 9, 23, 15)),
        ("escalated", "escalation-1", kst(2026, 9, 23, 15)),
        ("escalated", "escalation-2", kst(2026, 9, 28, 15)),
    ]
    breach = clock.events.get(step_key="breach")
    assert instant(breach.data["swept_at"]) == kst(2026, 9, 23, 16, 30)


def test_a_30_minute_clock_escalates_again_seven_and_a_half_minutes_after_due():
    # Network trouble reported at 23:50 on the Chuseok Saturday; wall clock throughout.
    clock = start("network.trouble-plan", kst(2026, 9, 26, 23, 50))
    assert reload(clock).calendar_code == "kr-public"  # Infrastructure HO
    for now in [
        kst(2026, 9, 27, 0, 5),  # 50 % of 30 min
        kst(2026, 9, 27, 0, 14),  # 80 %: 24 min
        kst(2026, 9, 27, 0, 20),  # breach at due
        kst(2026, 9, 27, 0, 20),  # escalation-1 at due
        kst(2026, 9, 27, 0, 27, 30),  # escalation-2: 30 min / 4 = 7 min 30 s later
    ]:
        sweep(clock, now=now)
    assert [(key, at) for _kind, key, at in events(clock)[1:]] == [
        ("reminder-50", kst(2026, 9, 27, 0, 5)),
        ("reminder-80", kst(2026, 9, 27, 0, 14)),
        ("breach", kst(2026, 9, 27, 0, 20)),
        ("escalation-1", kst(2026, 9, 27, 0, 20)),
        ("escalation-2", kst(2026, 9, 27, 0, 27, 30)),
    ]
    assert reload(clock).next_action_at is None


def test_a_step_cannot_be_recorded_twice_and_the_database_backs_it():
    clock = start("common.feasibility", kst(2026, 9, 22, 15))
    now = kst(2026, 9, 23, 10, 31)
    step = decisions.decide(clock, now=now)
    deadline_record_step(clock, step, now=now)

    # A second sweeper holding a stale copy of the row: the service reads the locked row.
    stale = reload(clock)
    stale.steps_done = []
    with pytest.raises(ClockError, match="reminder-50 was already recorded"):
        deadline_record_step(stale, step, now=now)
    # And the database refuses a second event for the same step whatever the code does.
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineEvent.objects.create(
            deadline=clock, kind="reminder", step_key="reminder-50", at=step.at
        )
    assert clock.events.filter(step_key="reminder-50").count() == 1


def test_a_step_the_clock_no_longer_owes_is_refused():
    clock = start("common.feasibility", kst(2026, 9, 22, 15))
    step = decisions.decide(clock, now=kst(2026, 9, 23, 10, 31))
    # Met while the sweep was deciding.
    deadline_stop(reload(clock), at=kst(2026, 9, 23, 10, 30, 30), cause="feasibility")
    with pytest.raises(ClockError, match="does not owe reminder-50"):
        deadline_record_step(reload(clock), step, now=kst(2026, 9, 23, 10, 31))
    assert not clock.events.filter(step_key__isnull=False).exists()


# --- stop ----------------------------------------------------------------------------------


def test_a_clock_stopped_exactly_at_due_is_met():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))  # due Mon Sep 28 15:00
    deadline_stop(clock, at=kst(2026, 9, 28, 15), cause="feasibility communicated")
    clock = reload(clock)
    assert clock.state == DeadlineState.MET
    assert clock.stopped_at == kst(2026, 9, 28, 15)
    assert clock.stop_cause == "feasibility communicated"
    assert clock.next_action_at is None
    assert events(clock)[-1] == ("met", None, kst(2026, 9, 28, 15))


def test_a_clock_stopped_one_second_after_due_is_breached_and_stopped_late():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))
    deadline_stop(clock, at=kst(2026, 9, 28, 15, 0, 1), cause="feasibility communicated")
    clock = reload(clock)
    assert clock.state == DeadlineState.BREACHED
    assert clock.next_action_at is None
    # The sweep had not run: the breach is still written at the due instant, once.
    assert events(clock)[-2:] == [
        ("breached", "breach", kst(2026, 9, 28, 15)),
        ("stopped_late", None, kst(2026, 9, 28, 15, 0, 1)),
    ]
    with pytest.raises(ClockError, match="cannot be stopped again"):
        deadline_stop(clock, at=kst(2026, 9, 28, 16), cause="again")


def test_stopping_a_paused_clock_resumes_it_first_so_the_wait_does_not_count():
    # Thu Sep 10 10:00 → due Fri 10:00 (8 h Thursday + 1 h). Paused Thu 16:00; the answer
    # goes out Mon Sep 14 11:00: 13 working hours paused (Thu 2 h, Fri 9 h, Mon 2 h), so due
    # is Mon 14:00 and the answer is in time.
    clock = start("common.feasibility", kst(2026, 9, 10, 10))
    deadline_pause(clock, at=kst(2026, 9, 10, 16), note="waiting for the customer's spec")
    deadline_stop(reload(clock), at=kst(2026, 9, 14, 11), cause="feasibility communicated")
    clock = reload(clock)
    assert clock.state == DeadlineState.MET
    assert clock.paused_total == 13 * H
    assert clock.due_at == kst(2026, 9, 14, 14)
    assert clock.paused_at is None
    assert [kind for kind, _key, _at in events(clock)] == ["started", "paused", "resumed", "met"]


def test_progress_on_a_recurring_clock_starts_the_next_cycle_from_the_progress():
    first = start("common.progress-15d", kst(2026, 9, 3, 10))  # due Fri Sep 18 10:00
    progress = kst(2026, 9, 14, 11)
    deadline_stop(first, at=progress, cause="progress communicated", now=progress)

    assert reload(first).state == DeadlineState.MET
    second = Deadline.objects.get(previous=first)
    assert (second.cycle, second.started_at, second.created_at) == (2, progress, progress)
    assert second.due_at == kst(2026, 9, 29, 11)  # Mon Sep 14 11:00 + 15 days
    # Its first reminder at 50 % of 15 days = 7 days 12 h: Mon Sep 21 23:00.
    assert second.next_action_at == kst(2026, 9, 21, 23)
    assert events(second) == [("started", None, progress)]


def test_a_breached_cycle_starts_the_next_from_its_due_instant():
    cycle = start("common.progress-15d", kst(2026, 9, 14, 11))  # due Tue Sep 29 11:00
    sweep(cycle, now=kst(2026, 9, 21, 23))  # reminder-50: + 7 days 12 h
    sweep(cycle, now=kst(2026, 9, 26, 11))  # reminder-80: + 12 days
    swept = kst(2026, 9, 29, 11, 0, 30)
    assert sweep(cycle, now=swept).key == "breach"

    cycle = reload(cycle)
    assert cycle.state == DeadlineState.BREACHED
    # Its own escalations go on: level 1 at due, level 2 after 9 working hours
    # (Tue 11:00–18:00 = 7 h, Wed Sep 30 09:00 + 2 h = 11:00).
    assert [(s.key, s.at) for s in decisions.pending_steps(cycle)] == [
        ("escalation-1", kst(2026, 9, 29, 11)),
        ("escalation-2", kst(2026, 9, 30, 11)),
    ]
    following = Deadline.objects.get(previous=cycle)
    assert (following.cycle, following.started_at) == (2, kst(2026, 9, 29, 11))
    assert following.due_at == kst(2026, 10, 14, 11)  # previous due + 15 days
    assert following.created_at == swept
    assert following.state == DeadlineState.RUNNING


def test_a_late_progress_on_a_breached_cycle_does_not_start_a_second_next_cycle():
    cycle = start("common.progress-15d", kst(2026, 9, 14, 11))
    for now in [kst(2026, 9, 21, 23), kst(2026, 9, 26, 11), kst(2026, 9, 29, 11)]:
        sweep(cycle, now=now)  # ... and the breach started cycle 2 from Sep 29 11:00
    deadline_stop(reload(cycle), at=kst(2026, 10, 1, 10), cause="progress communicated")
    assert reload(cycle).state == DeadlineState.BREACHED
    assert Deadline.objects.filter(subject_type="test").count() == 2
    assert Deadline.objects.get(previous=cycle).due_at == kst(2026, 10, 14, 11)


def test_a_recurring_clock_stopped_for_good_starts_no_next_cycle():
    clock = start("common.progress-15d", kst(2026, 9, 3, 10))
    deadline_stop(clock, at=kst(2026, 9, 14, 11), cause="resolved", continue_series=False)
    assert reload(clock).state == DeadlineState.MET
    assert not Deadline.objects.filter(previous=clock).exists()
    assert Deadline.objects.count() == 1


# --- pause and resume --------------------------------------------------------------------------


def test_paused_working_time_moves_due_on_by_the_same_working_time():
    # Thu Sep 10 10:00 → due Fri Sep 11 10:00 (8 h Thursday + 1 h Friday).
    clock = start("common.feasibility", kst(2026, 9, 10, 10))
    sweep(clock, now=kst(2026, 9, 10, 14, 30))  # reminder-50: 10:00 + 4 h 30

    deadline_pause(clock, at=kst(2026, 9, 10, 16), note="waiting for the customer")
    paused = reload(clock)
    assert (paused.state, paused.paused_at) == (DeadlineState.PAUSED, kst(2026, 9, 10, 16))
    assert paused.next_action_at is None
    # Past the original due and still nothing to do: the clock is not counting.
    assert decisions.decide(paused, now=kst(2026, 9, 11, 12)) is None

    # Resumed Mon Sep 14 11:00 across the weekend: Thu 16–18 (2 h) + Fri 9 h + Mon 9–11 (2 h)
    # = 13 working hours paused. Due Fri 10:00 + 13 h: Fri 10–18 (8 h), Mon 09:00 + 5 h.
    # (Check: 6 h ran on Thursday, 3 h remain from Mon 11:00.)
    deadline_resume(paused, at=kst(2026, 9, 14, 11), note="spec received")
    clock = reload(clock)
    assert clock.state == DeadlineState.RUNNING
    assert clock.paused_total == 13 * H
    assert clock.due_at == kst(2026, 9, 14, 14)
    # Reminder-80 when 20 % of the 9 running hours (1 h 48) remain: Mon 12:12.
    assert clock.next_action_at == kst(2026, 9, 14, 12, 12)

    resumed = clock.events.get(kind="resumed")
    assert resumed.at == kst(2026, 9, 14, 11)
    assert resumed.note == "spec received"
    assert resumed.data["paused"] == 13 * 3600
    assert instant(resumed.data["old_due_at"]) == kst(2026, 9, 11, 10)
    assert instant(resumed.data["due_at"]) == kst(2026, 9, 14, 14)


def test_paused_time_accumulates_across_two_pauses():
    clock = start("common.feasibility", kst(2026, 9, 10, 10))  # due Fri Sep 11 10:00
    deadline_pause(clock, at=kst(2026, 9, 10, 16))
    deadline_resume(clock, at=kst(2026, 9, 14, 11))  # 13 h paused, due Mon 14:00 (above)
    # Second wait Mon 12:00 → Tue Sep 15 10:00: Mon 12–18 (6 h) + Tue 9–10 (1 h) = 7 h.
    # Due Mon 14:00 + 7 h: Mon 14–18 (4 h), Tue 09:00 + 3 h = 12:00.
    # (Check: 6 h Thursday + 1 h Monday ran, 2 h remain from Tue 10:00.)
    deadline_pause(clock, at=kst(2026, 9, 14, 12))
    deadline_resume(clock, at=kst(2026, 9, 15, 10))
    clock = reload(clock)
    assert clock.paused_total == 20 * H
    assert clock.due_at == kst(2026, 9, 15, 12)
    # No reminder was swept here: reminder-50 (4 h 30 of running time) was owed from Thu
    # 14:30, before the first pause, so it is owed at once on resume; reminder-80 falls when
    # 1 h 48 of the 9 h remain: Tue 12:00 − 1 h 48 = 10:12.
    assert decisions.decide(clock, now=kst(2026, 9, 15, 10)).key == "reminder-50"
    assert decisions.pending_steps(clock)[1].key == "reminder-80"
    assert decisions.pending_steps(clock)[1].at == kst(2026, 9, 15, 10, 12)
    assert [kind for kind, _key, _at in events(clock)] == [
        "started",
        "paused",
        "resumed",
        "paused",
        "resumed",
    ]


def test_a_back_dated_pause_cannot_reach_into_time_already_paused():
    clock = start("common.feasibility", kst(2026, 9, 28, 9))  # due Mon Sep 28 18:00
    deadline_pause(clock, at=kst(2026, 9, 28, 10))
    deadline_resume(clock, at=kst(2026, 9, 28, 11))

    with pytest.raises(ClockError, match="counting again from"):
        deadline_pause(clock, at=kst(2026, 9, 28, 10, 30))
    clock = reload(clock)
    assert clock.state == DeadlineState.RUNNING
    assert clock.paused_total == H
    # From the resume on, a pause is fine.
    deadline_pause(clock, at=kst(2026, 9, 28, 11))
    assert reload(clock).state == DeadlineState.PAUSED


def test_a_breach_the_sweep_recorded_stands_when_the_stop_is_logged_back_dated():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))  # due Mon Sep 28 15:00
    breach = decisions.decide(clock, now=kst(2026, 9, 28, 15, 1))
    while breach is not None and breach.kind != "breach":
        deadline_record_step(clock, breach, now=kst(2026, 9, 28, 15, 1))
        clock = reload(clock)
        breach = decisions.decide(clock, now=kst(2026, 9, 28, 15, 1))
    deadline_record_step(clock, breach, now=kst(2026, 9, 28, 15, 1))

    # Logged at 15:30, saying the customer was told at 14:00.
    deadline_stop(reload(clock), at=kst(2026, 9, 28, 14), cause="feasibility communicated")
    clock = reload(clock)

    assert clock.state == DeadlineState.BREACHED
    assert clock.stopped_at == kst(2026, 9, 28, 14)
    last = clock.events.order_by("-id").first()
    assert last.kind == "stopped_late"
    assert last.data["logged_after_breach"] is True


def test_a_commitment_that_does_not_pause_while_waiting_refuses_to_pause():
    clock = start("network.trouble-plan", kst(2026, 9, 26, 23, 50))
    with pytest.raises(ClockError, match="does not pause while waiting"):
        deadline_pause(clock, at=kst(2026, 9, 26, 23, 55))
    clock = reload(clock)
    assert clock.state == DeadlineState.RUNNING
    assert clock.next_action_at == kst(2026, 9, 27, 0, 5)


def test_a_clock_past_due_cannot_be_paused_away_from_its_breach():
    clock = start("common.feasibility", kst(2026, 9, 10, 10))  # due Fri Sep 11 10:00
    with pytest.raises(ClockError, match="was due at"):
        deadline_pause(clock, at=kst(2026, 9, 11, 10, 0, 1))
    clock = reload(clock)
    assert clock.state == DeadlineState.RUNNING
    assert decisions.decide(clock, now=kst(2026, 9, 11, 10, 0, 1)).key == "reminder-50"


def test_only_a_running_clock_pauses_and_only_a_paused_one_resumes():
    clock = start("common.feasibility", kst(2026, 9, 10, 10))
    with pytest.raises(ClockError, match="running clock cannot be resumed"):
        deadline_resume(clock, at=kst(2026, 9, 10, 11))
    deadline_pause(clock, at=kst(2026, 9, 10, 11))
    with pytest.raises(ClockError, match="paused clock cannot be paused"):
        deadline_pause(clock, at=kst(2026, 9, 10, 12))


# --- recompute ---------------------------------------------------------------------------------


def _paused_13_hours() -> Deadline:
    """Thu Sep 10 10:00, paused Thu 16:00 → Mon Sep 14 11:00 (13 h); due Mon Sep 14 14:00."""
    clock = start("common.feasibility", kst(2026, 9, 10, 10))
    deadline_pause(clock, at=kst(2026, 9, 10, 16))
    deadline_resume(clock, at=kst(2026, 9, 14, 11))
    assert clock.due_at == kst(2026, 9, 14, 14)
    return reload(clock)


def test_recompute_from_an_edited_commitment_keeps_the_paused_time():
    clock = _paused_13_hours()
    feasibility = Commitment.objects.get(code="common.feasibility")
    feasibility.target_minutes = 1080  # two business days
    feasibility.save()

    deadline_recompute(clock, at=kst(2026, 9, 14, 11, 30), reason="scope grew", refresh=True)
    clock = reload(clock)
    # New plan from Thu 10:00: Thu 8 h + Fri 9 h = 17 h, Mon 09:00 + 1 h = Mon 10:00.
    # Plus the 13 paused hours: Mon 10–18 (8 h), Tue Sep 15 09:00 + 5 h = 14:00.
    assert clock.due_at == kst(2026, 9, 15, 14)
    assert clock.paused_total == 13 * H
    assert clock.params["minutes"] == 1080
    assert clock.params["commitment_version"] == feasibility.history.latest().history_id
    # Half of 18 running hours remain at Mon 14:00 (Mon 4 h + Tue 5 h).
    assert clock.next_action_at == kst(2026, 9, 14, 14)

    event = clock.events.get(kind="recomputed")
    assert (event.at, event.note) == (kst(2026, 9, 14, 11, 30), "scope grew")
    assert instant(event.data["old_due_at"]) == kst(2026, 9, 14, 14)
    assert instant(event.data["due_at"]) == kst(2026, 9, 15, 14)


def test_recompute_keeps_the_frozen_parameters_unless_asked_to_refresh():
    clock = _paused_13_hours()
    Commitment.objects.filter(code="common.feasibility").update(target_minutes=1080)
    deadline_recompute(clock, at=kst(2026, 9, 14, 11, 30), reason="re-check", refresh=False)
    clock = reload(clock)
    assert clock.params["minutes"] == 540
    assert clock.due_at == kst(2026, 9, 14, 14)
    event = clock.events.get(kind="recomputed")
    assert instant(event.data["old_due_at"]) == instant(event.data["due_at"])


def test_recompute_with_a_new_requested_date_moves_the_due_instant():
    # Requested Mon Oct 5 (substitute holiday) → due Fri Oct 2 18:00.
    clock = start("common.institutional-change", kst(2026, 9, 21, 10), target_at=kst(2026, 10, 5))
    # Now requested for Fri Oct 9, Hangul Day: closing of Thu Oct 8.
    deadline_recompute(
        clock, at=kst(2026, 9, 22, 10), reason="customer moved the date", target_at=kst(2026, 10, 9)
    )
    clock = reload(clock)
    assert clock.target_at == kst(2026, 10, 9)
    assert clock.due_at == kst(2026, 10, 8, 18)


def test_moving_a_clock_to_an_exchange_division_recomputes_it_on_the_exchange_calendar():
    # Financial HO (public calendar): Wed Dec 30 15:00 → Thu Dec 31 15:00.
    clock = start(
        "common.feasibility",
        kst(2026, 12, 30, 15),
        division=Division.objects.get(code="financial"),
    )
    assert clock.due_at == kst(2026, 12, 31, 15)
    deadline_recompute(
        clock,
        at=kst(2026, 12, 30, 16),
        reason="transferred to Market HO",
        division=Division.objects.get(code="market"),
        refresh=False,
    )
    clock = reload(clock)
    # Exchange: 3 h Wednesday, Dec 31 closed, Jan 1, weekend; Mon Jan 4 2027 09:00 + 6 h.
    assert (clock.division.code, clock.calendar_code) == ("market", "krx-exchange")
    assert clock.terms.calendar["holiday_source"] == "XKRX"
    assert clock.due_at == kst(2027, 1, 4, 15)


def _met(clock):
    deadline_stop(clock, at=kst(2026, 9, 28, 9), cause="feasibility")


def _stopped_late(clock):
    deadline_stop(clock, at=kst(2026, 9, 28, 16), cause="feasibility")


def _swept_breach(clock):
    for now in [kst(2026, 9, 28, 10, 30), kst(2026, 9, 28, 13, 12), kst(2026, 9, 28, 15)]:
        sweep(clock, now=now)


def _cancelled(clock):
    deadline_cancel(clock, at=kst(2026, 9, 24, 9), cause="withdrawn")


@pytest.mark.parametrize("close", [_met, _stopped_late, _swept_breach, _cancelled])
def test_a_closed_clock_is_history_and_is_not_recomputed(close):
    clock = start("common.feasibility", kst(2026, 9, 23, 15))
    close(clock)
    clock = reload(clock)
    with pytest.raises(ClockError, match="is history"):
        deadline_recompute(clock, at=kst(2026, 9, 29, 9), reason="try")
    assert reload(clock).due_at == kst(2026, 9, 28, 15)
    assert not clock.events.filter(kind="recomputed").exists()


def test_editing_the_catalogue_or_the_calendar_leaves_a_running_clock_as_it_was():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))  # due Mon Sep 28 15:00
    Commitment.objects.filter(code="common.feasibility").update(target_minutes=1080)
    Closure.objects.create(
        calendar=Calendar.objects.get(code="kr-public"), day=kst(2026, 9, 28).date(), reason="x"
    )

    clock = reload(clock)
    assert clock.due_at == kst(2026, 9, 28, 15)
    assert clock.params["minutes"] == 540
    assert clock.terms.calendar["closures"] == []
    assert clock.next_action_at == kst(2026, 9, 28, 10, 30)
    assert decisions.planned_steps(clock)[0].at == kst(2026, 9, 28, 10, 30)
    # A pause counts on the frozen calendar too: 1 h paused Wed 16–17, Mon 15:00 + 1 h.
    deadline_pause(clock, at=kst(2026, 9, 23, 16))
    deadline_resume(clock, at=kst(2026, 9, 23, 17))
    assert reload(clock).due_at == kst(2026, 9, 28, 16)

    # Recomputed on request: 18 h from Wed 15:00 with Mon 28 closed: Wed 3 h, Tue 29 9 h,
    # Wed 30 09:00 + 6 h = 15:00; plus the paused hour = 16:00.
    deadline_recompute(clock, at=kst(2026, 9, 23, 17, 30), reason="catalogue edited")
    clock = reload(clock)
    assert clock.due_at == kst(2026, 9, 30, 16)
    assert clock.terms.calendar["closures"] == [
        {"day": "2026-09-28", "start": None, "end": None, "reason": "x"}
    ]


# --- explain and cancel ------------------------------------------------------------------------


def test_explain_lists_the_chuseok_holidays_and_the_pauses():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))
    deadline_pause(clock, at=kst(2026, 9, 23, 16), note="waiting")
    deadline_resume(clock, at=kst(2026, 9, 23, 17))
    # 1 h paused: due Mon Sep 28 16:00.
    why = deadline_explain(reload(clock))

    assert why["due_at"] == kst(2026, 9, 28, 16)
    assert why["paused_total"] == H
    assert why["calendar"] == "kr-public"
    assert [(s.reason, s.label, s.start, s.end) for s in why["skipped"]] == [
        ("closed_hours", "", kst(2026, 9, 23, 18), kst(2026, 9, 24)),
        ("holiday", "추석 전날", kst(2026, 9, 24), kst(2026, 9, 25)),
        ("holiday", "추석", kst(2026, 9, 25), kst(2026, 9, 26)),
        ("holiday", "추석 다음날", kst(2026, 9, 26), kst(2026, 9, 27)),
        ("weekend", "", kst(2026, 9, 27), kst(2026, 9, 28)),
        ("closed_hours", "", kst(2026, 9, 28), kst(2026, 9, 28, 9)),
    ]
    assert [(p["kind"], p["at"]) for p in why["pauses"]] == [
        ("paused", kst(2026, 9, 23, 16)),
        ("resumed", kst(2026, 9, 23, 17)),
    ]
    assert why["pauses"][1]["data"]["paused"] == 3600


def test_a_cancelled_clock_owes_nothing_and_cannot_be_stopped():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))
    deadline_cancel(clock, at=kst(2026, 9, 24, 9), cause="request withdrawn")
    clock = reload(clock)
    assert clock.state == DeadlineState.CANCELLED
    assert clock.next_action_at is None
    assert decisions.decide(clock, now=kst(2026, 12, 31)) is None
    assert events(clock)[-1] == ("cancelled", None, kst(2026, 9, 24, 9))
    with pytest.raises(ClockError, match="cannot be stopped"):
        deadline_stop(clock, at=kst(2026, 9, 25, 9), cause="feasibility")
    with pytest.raises(ClockError, match="cannot be cancelled"):
        deadline_cancel(clock, at=kst(2026, 9, 25, 9), cause="again")
    assert reload(clock).state == DeadlineState.CANCELLED


def test_cancelling_a_breached_clock_keeps_the_breach_and_stops_the_escalations():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))  # due Mon Sep 28 15:00
    for _ in range(4):  # reminders at 50 % and 80 %, the breach, escalation 1
        sweep(clock, now=kst(2026, 9, 28, 15))
    assert clock.state == DeadlineState.BREACHED
    assert clock.next_action_at is not None  # escalation 2 is still owed

    deadline_cancel(clock, at=kst(2026, 9, 28, 16), cause="request withdrawn")
    clock = reload(clock)
    assert clock.state == DeadlineState.BREACHED
    assert clock.next_action_at is None
    assert decisions.decide(clock, now=kst(2026, 12, 31)) is None
    assert events(clock)[-1] == ("cancelled", None, kst(2026, 9, 28, 16))


def test_an_inactive_commitment_starts_no_clock():
    Commitment.objects.filter(code="common.feasibility").update(active=False)
    with pytest.raises(ClockError, match="not active"):
        start("common.feasibility", kst(2026, 9, 23, 15))


def test_clocks_with_the_same_terms_share_one_frozen_row():
    first = start("common.feasibility", kst(2026, 9, 23, 15))
    second = start("common.feasibility", kst(2026, 10, 7, 11))
    other = start("network.trouble-plan", kst(2026, 10, 7, 11))
    assert first.terms_id == second.terms_id
    assert other.terms_id != first.terms_id

    Commitment.objects.get(code="common.feasibility").save()  # an edit: a new history row
    edited = start("common.feasibility", kst(2026, 10, 7, 11))
    assert edited.terms_id != first.terms_id
    assert reload(first).terms_id == first.terms_id


def test_a_running_clock_keeps_the_holidays_it_was_computed_with():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))  # due Mon Sep 28 15:00
    # As if a later holidays release had dropped Chuseok: the frozen table still has it.
    terms = clock.terms
    assert terms.work_calendar.holiday_name(kst(2026, 9, 25).date()) == "추석"
    stripped = dict(terms.calendar)
    stripped["frozen_holidays"] = {
        day: name for day, name in stripped["frozen_holidays"].items() if "추석" not in name
    }
    terms.calendar = stripped
    terms.digest = "0" * 64
    terms.save()
    clock = reload(clock)
    # The clock computes from its own terms, not from the package: with Chuseok gone from
    # them, Wed 15:00–18:00 = 3 h, Thu 24 09:00 + 6 h = 15:00.
    deadline_recompute(clock, at=kst(2026, 9, 23, 16), reason="check", refresh=False)
    assert reload(clock).due_at == kst(2026, 9, 24, 15)


@pytest.mark.parametrize("year", [1, 1999, 2101, 9999])
def test_a_clock_outside_the_years_the_calendars_know_is_refused(year):
    with pytest.raises(ClockError, match="outside the years"):
        start("common.feasibility", kst(year, 3, 3, 10))


def test_a_service_acting_on_a_stale_copy_keeps_what_the_sweep_recorded_since():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))  # due Mon Sep 28 15:00
    stale = reload(clock)
    sweep(clock, now=kst(2026, 9, 28, 10, 30))  # reminder-50, recorded on another copy

    deadline_pause(stale, at=kst(2026, 9, 28, 11))
    deadline_resume(stale, at=kst(2026, 9, 28, 12))
    fresh = reload(clock)
    assert fresh.steps_done == ["reminder-50"]
    # Due moved on by the paused hour; the next owed step is the 80 % reminder, not the 50 %.
    assert fresh.due_at == kst(2026, 9, 28, 16)
    assert decisions.pending_steps(fresh)[0].key == "reminder-80"


def test_acts_that_run_backwards_in_time_are_refused():
    clock = start("common.feasibility", kst(2026, 9, 23, 15))
    with pytest.raises(ClockError, match="before it started"):
        deadline_pause(clock, at=kst(2026, 9, 23, 14))
    with pytest.raises(ClockError, match="before it started"):
        deadline_stop(clock, at=kst(2026, 9, 22, 9), cause="feasibility")
    deadline_pause(clock, at=kst(2026, 9, 23, 16))
    with pytest.raises(ClockError, match="before it was paused"):
        deadline_resume(clock, at=kst(2026, 9, 23, 15, 30))
