"""The clocks' own selectors: the clocks of a subject, the ones still owing, the ones at risk.

Subjects are bare (``subject_type="test"``). Calendars are Mon–Fri 09:00–18:00 Asia/Seoul
(KR); no holiday falls between Thu 2026-11-26 and Mon 2026-11-30.
"""

from datetime import date, time, timedelta

import pytest

from commitments.deadlines import deadline_cancel, deadline_pause, deadline_start, deadline_stop
from commitments.models import Calendar, Closure, Deadline, RiskHorizon
from tests.factories import CommitmentFactory
from tests.seoul import kst

pytestmark = pytest.mark.usefixtures("charter")

#: Fri 2026-11-27 17:00: four working hours reach Mon 12:00, four wall-clock hours Fri 21:00.
NOW = kst(2026, 11, 27, 17)


@pytest.fixture
def nine_working_hours():
    return CommitmentFactory(code="test.nine-hours", target_kind="business_hours")


@pytest.fixture
def six_hours_24x7():
    return CommitmentFactory(code="test.six-hours", target_kind="elapsed", target_minutes=6 * 60)


def start(commitment, started_at, *, subject_type="test", subject_id="1") -> Deadline:
    return deadline_start(
        commitment=commitment,
        subject_type=subject_type,
        subject_id=subject_id,
        started_at=started_at,
        now=started_at,
    )


def test_the_clocks_of_a_subject_are_those_of_its_type_and_id(nine_working_hours):
    mine = start(nine_working_hours, NOW, subject_id="7")
    start(nine_working_hours, NOW, subject_id="8")
    start(nine_working_hours, NOW, subject_type="other", subject_id="7")

    assert list(Deadline.objects.of_subject("test", 7)) == [mine]
    assert list(Deadline.objects.of_subject("test", "7")) == [mine]


def test_the_clocks_of_several_subjects_are_read_from_ids_objects_or_a_queryset(
    nine_working_hours,
):
    calendars = list(Calendar.objects.order_by("pk")[:2])
    first, second = (start(nine_working_hours, NOW, subject_id=c.pk) for c in calendars)
    start(nine_working_hours, NOW, subject_id="0")

    by_ids = Deadline.objects.of_subjects("test", [c.pk for c in calendars])
    by_objects = Deadline.objects.of_subjects("test", calendars)
    by_queryset = Deadline.objects.of_subjects(
        "test", Calendar.objects.filter(pk__in=[c.pk for c in calendars])
    )

    assert set(by_ids) == set(by_objects) == set(by_queryset) == {first, second}


def test_owing_clocks_are_running_paused_or_breached_and_not_stopped(nine_working_hours):
    running = start(nine_working_hours, NOW)
    paused = deadline_pause(start(nine_working_hours, NOW), at=NOW + timedelta(minutes=5))
    met = deadline_stop(start(nine_working_hours, NOW), at=NOW, cause="answered")
    cancelled = deadline_cancel(start(nine_working_hours, NOW), at=NOW, cause="test")
    # Started two days before: 9 working hours from Wed 17:00 ran out Thu 17:00.
    late = start(nine_working_hours, kst(2026, 11, 25, 17))
    Deadline.objects.filter(pk=late.pk).update(state="breached")
    given_late = start(nine_working_hours, kst(2026, 11, 25, 17))
    Deadline.objects.filter(pk=given_late.pk).update(state="breached", stopped_at=NOW)

    owing = set(Deadline.objects.filter(subject_type="test").owing())

    assert owing == {running, paused, late}
    assert not {met, cancelled, given_late} & owing


def test_at_risk_is_due_within_four_working_hours_or_four_wall_clock_hours_for_24x7(
    nine_working_hours, six_hours_24x7
):
    # Fri 10:00 + 9 working hours: 8 on Friday, 1 on Monday → Mon 10:00, before Mon 12:00.
    due_monday_morning = start(nine_working_hours, kst(2026, 11, 27, 10))
    # Fri 15:00 + 9: 3 on Friday, 6 on Monday → Mon 15:00, after Mon 12:00.
    due_monday_afternoon = start(nine_working_hours, kst(2026, 11, 27, 15))
    # Thu 12:00 + 9: 6 on Thursday, 3 on Friday → Fri 12:00, already past (the sweep's to
    # breach, not at risk).
    overdue = start(nine_working_hours, kst(2026, 11, 26, 12))
    # Fri 10:00 + 9 again, but waiting on the customer: its due instant will move.
    paused = deadline_pause(start(nine_working_hours, kst(2026, 11, 27, 10)), at=NOW)
    # 24×7: Fri 14:00 + 6 h = Fri 20:00, within four wall-clock hours; Sat 04:00 + 6 h =
    # Sat 10:00, not (though it is before the fourth working hour, Mon 12:00).
    tonight = start(six_hours_24x7, kst(2026, 11, 27, 14))
    saturday = start(six_hours_24x7, kst(2026, 11, 28, 4))
    clocks = [due_monday_morning, due_monday_afternoon, overdue, paused, tonight, saturday]

    horizon = RiskHorizon(now=NOW)
    judged = {clock for clock in clocks if horizon.holds(Deadline.objects.get(pk=clock.pk))}
    selected = set(Deadline.objects.filter(subject_type="test").at_risk(now=NOW))

    assert judged == selected == {due_monday_morning, tonight}


def test_the_horizon_is_counted_in_the_hours_asked_for(nine_working_hours):
    # Due Mon 10:00: two working hours after Fri 17:00 (Fri 17–18, Mon 09–10).
    due_monday_morning = start(nine_working_hours, kst(2026, 11, 27, 10))
    clocks = Deadline.objects.filter(subject_type="test")

    assert not clocks.at_risk(now=NOW, hours=1).exists()
    assert list(clocks.at_risk(now=NOW, hours=2)) == [due_monday_morning]


def test_the_horizon_reads_the_calendars_once_until_one_of_them_changes(
    django_assert_num_queries,
):
    """Fri 17:00 + four working hours is Mon 12:00; closing Monday morning moves it to 16:00
    at once, though the calendars were read (and kept) before."""
    calendar = Calendar.objects.get(code="kr-public")
    assert RiskHorizon(now=NOW).by_calendar["kr-public"] == kst(2026, 11, 30, 12)
    with django_assert_num_queries(0):
        assert RiskHorizon(now=NOW).by_calendar["kr-public"] == kst(2026, 11, 30, 12)

    Closure.objects.create(
        calendar=calendar, day=date(2026, 11, 30), start=time(9), end=time(13), reason="drill"
    )

    assert RiskHorizon(now=NOW).by_calendar["kr-public"] == kst(2026, 11, 30, 16)
