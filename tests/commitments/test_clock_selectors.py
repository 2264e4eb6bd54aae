"""The clocks' own selectors: the clocks of a subject, and the ones still owing.

Subjects are bare (``subject_type="test"``). Calendars are Mon–Fri 09:00–18:00 Asia/Seoul
(KR); no holiday falls between Thu 2026-11-26 and Mon 2026-11-30.
"""

from datetime import timedelta

import pytest

from commitments.deadlines import deadline_cancel, deadline_pause, deadline_start, deadline_stop
from commitments.models import Calendar, Deadline
from tests.factories import CommitmentFactory
from tests.seoul import kst

pytestmark = pytest.mark.usefixtures("charter")

NOW = kst(2026, 11, 27, 17)


@pytest.fixture
def nine_working_hours():
    return CommitmentFactory(code="test.nine-hours", target_kind="business_hours")


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
