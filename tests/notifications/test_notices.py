"""Suspension notices and announcements through their services: the clocks they start and
stop, the sweep's breach of a late plan, and who hears of each change.

Holidays used (holidays==0.109, 2026): Oct 3 (Sat) with its substitute Mon Oct 5 on both
calendars; Information HO follows the exchange calendar (``krx-exchange``, XKRX)."""

import pytest
from django.core.management import call_command

from commitments.models import Deadline, DeadlineEvent, DeadlineState
from commitments.models.deadline import EventKind
from notifications.models import Notification
from notifications.notices.models import SuspensionRecipient, SuspensionState
from notifications.notices.services import (
    Addressee,
    NoticeError,
    ShortNotice,
    announcement_publish,
    suspension_cancel,
    suspension_publish,
    suspension_reschedule,
)
from notifications.sweep import sweep
from tests.factories import UserFactory
from tests.notifications.notice_factories import planned, recorded
from tests.seoul import at, kst

pytestmark = pytest.mark.django_db

AUDIENCE = [
    Addressee("email", "kim@example.com", "Kim"),
    Addressee("sms", "010-1234-5678", "Kim"),
    Addressee("email", "lee@example.com", "Lee"),
    Addressee("email", "KIM@example.com", "Kim again"),  # the same address: told once
]


@pytest.fixture
def planner(charter):
    return UserFactory(username="planner")


def notices(plan) -> list[Notification]:
    return list(
        Notification.objects.filter(subject_type="suspension", subject_id=str(plan.pk)).order_by(
            "idempotency_key"
        )
    )


# --- the clock ------------------------------------------------------------------------------


def test_it_is_due_seven_calendar_days_before_the_start_and_never_moved_off_holidays(planner):
    # Start Mon 2026-10-05 09:00 KST (the Oct 3 substitute holiday) − 7 days = Mon Sep 28 09:00.
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))

    clock = plan.deadline
    assert clock.commitment_code == "common.suspension-notice"
    assert clock.due_at == kst(2026, 9, 28, 9)
    assert clock.target_at == kst(2026, 10, 5, 9)
    assert clock.state == DeadlineState.RUNNING
    assert clock.subject_type == "suspension"
    assert clock.subject_id == str(plan.pk)
    assert clock.subject_path == f"/desk/notices/suspensions/{plan.pk}/"
    assert clock.owner == planner


def test_a_plan_entered_three_days_ahead_is_refused_until_the_short_notice_is_confirmed(planner):
    with at(2026, 10, 2, 9), pytest.raises(ShortNotice) as refused:
        planned(planner, starts_at=kst(2026, 10, 5, 9))

    assert "accept_short_notice" in refused.value.message_dict
    assert not Deadline.objects.filter(subject_type="suspension").exists()


def test_a_confirmed_late_plan_is_born_past_due_and_the_sweep_records_the_breach_at_once(planner):
    with at(2026, 10, 2, 9):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9), accept_short_notice=True)
    assert plan.deadline.due_at == kst(2026, 9, 28, 9)
    assert plan.deadline.next_action_at == kst(2026, 9, 28, 9)

    result = sweep(now=kst(2026, 10, 2, 9, 0, 5))

    clock = Deadline.objects.get(pk=plan.deadline.pk)
    assert result.steps_recorded >= 1
    assert clock.state == DeadlineState.BREACHED
    breach = DeadlineEvent.objects.get(deadline=clock, kind=EventKind.BREACHED)
    assert breach.at == kst(2026, 9, 28, 9)  # recorded at the due instant, not at the sweep
    # The reminders were already past when the clock started: skipped, never sent late.
    assert not DeadlineEvent.objects.filter(deadline=clock, kind=EventKind.REMINDER).exists()
    assert Notification.objects.filter(deadline=clock, step="breach").exists()


def test_the_sweep_command_records_the_breach_too(planner, capsys):
    with at(2026, 10, 2, 9):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9), accept_short_notice=True)

    call_command("sweep_deadlines", now="2026-10-02T09:01+09:00")

    assert Deadline.objects.get(pk=plan.deadline.pk).state == DeadlineState.BREACHED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"services": []}, "services"),
        ({"cause": "weather"}, "cause"),
        ({"cause": "other", "cause_other": "  "}, "cause_other"),
        ({"channels": []}, "channels"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"title_ko": ""}, "title_ko"),
        ({"body_ko": "a\x00b"}, "body_ko"),
    ],
)
def test_bad_input_is_refused_on_its_field(planner, changes, field):
    with at(2026, 9, 20, 10), pytest.raises(NoticeError) as refused:
        planned(planner, starts_at=kst(2026, 10, 5, 9), **changes)

    assert field in refused.value.message_dict


def test_a_window_ending_before_it_starts_or_starting_in_the_past_is_refused(planner):
    with at(2026, 9, 20, 10):
        with pytest.raises(NoticeError) as backwards:
            planned(planner, starts_at=kst(2026, 10, 5, 9), hours=-2)
        with pytest.raises(NoticeError) as past:
            planned(planner, starts_at=kst(2026, 9, 19, 9))

    assert "ends_at" in backwards.value.message_dict
    assert "starts_at" in past.value.message_dict


# --- publishing -----------------------------------------------------------------------------


def test_publishing_sends_one_message_per_address_and_channel_and_meets_the_clock(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))
    with at(2026, 9, 27, 9):
        plan = suspension_publish(plan, audience=AUDIENCE, actor=planner)

    assert plan.state == SuspensionState.PUBLISHED
    assert plan.published_at == kst(2026, 9, 27, 9)
    assert plan.lead_days == 8
    sent = notices(plan)
    assert [(n.channel, n.recipient) for n in sent] == [
        ("email", "kim@example.com"),
        ("email", "lee@example.com"),
        ("sms", "010-1234-5678"),
    ]
    assert {n.step for n in sent} == {"notice"}
    email = sent[0]
    assert "2026년 10월 5일(월) 09:00" in email.body
    assert "Mon 5 Oct 2026 09:00" in email.body
    assert "정기 점검" in email.body  # the cause
    clock = Deadline.objects.get(pk=plan.deadline_id)
    assert clock.state == DeadlineState.MET
    assert clock.stopped_at == kst(2026, 9, 27, 9)
    assert SuspensionRecipient.objects.filter(plan=plan).count() == 3


def test_a_plan_without_sms_sends_no_sms_even_to_numbers_given(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9), channels=["screen", "email"])
        plan = suspension_publish(plan, audience=AUDIENCE, actor=planner)

    assert {n.channel for n in notices(plan)} == {"email"}


def test_publishing_after_the_due_instant_stops_the_clock_breached(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))
    with at(2026, 9, 29, 9):
        plan = suspension_publish(plan, audience=AUDIENCE, actor=planner)

    assert Deadline.objects.get(pk=plan.deadline_id).state == DeadlineState.BREACHED
    assert plan.lead_days == 6


def test_a_notice_is_published_once(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))
        suspension_publish(plan, audience=AUDIENCE, actor=planner)
        with pytest.raises(NoticeError):
            suspension_publish(plan, audience=AUDIENCE, actor=planner)

    assert len(notices(plan)) == 3


# --- changes --------------------------------------------------------------------------------


def test_rescheduling_a_published_notice_tells_exactly_those_told_before(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))
        plan = suspension_publish(plan, audience=AUDIENCE, actor=planner)
    first_clock = plan.deadline_id

    with at(2026, 9, 22, 10):
        plan = suspension_reschedule(
            plan,
            starts_at=kst(2026, 10, 12, 9),
            ends_at=kst(2026, 10, 12, 12),
            reason="장비 입고 지연",
            actor=planner,
        )

    assert plan.state == SuspensionState.RESCHEDULED
    assert plan.lead_days == 19
    again = [n for n in notices(plan) if ":2:" in n.idempotency_key]
    assert sorted((n.channel, n.recipient) for n in again) == [
        ("email", "kim@example.com"),
        ("email", "lee@example.com"),
        ("sms", "010-1234-5678"),
    ]
    assert "[서비스 중단 일정 변경]" in again[0].subject
    assert "장비 입고 지연" in next(n for n in again if n.channel == "email").body
    # The first notice's clock stays met; the new window's notice is a new cycle, met at once.
    assert Deadline.objects.get(pk=first_clock).state == DeadlineState.MET
    clock = Deadline.objects.get(pk=plan.deadline_id)
    assert clock.previous_id == first_clock
    assert clock.due_at == kst(2026, 10, 5, 9)
    assert clock.state == DeadlineState.MET


def test_rescheduling_a_plan_not_yet_published_recomputes_its_clock_and_tells_nobody(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))
        plan = suspension_reschedule(
            plan,
            starts_at=kst(2026, 10, 20, 22),
            ends_at=kst(2026, 10, 21, 2),
            reason="고객 요청",
            actor=planner,
        )

    clock = Deadline.objects.get(pk=plan.deadline_id)
    assert clock.due_at == kst(2026, 10, 13, 22)
    assert clock.state == DeadlineState.RUNNING
    assert plan.state == SuspensionState.PLANNED
    assert notices(plan) == []


def test_cancelling_a_published_notice_tells_exactly_those_told_and_no_one_else(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))
        plan = suspension_publish(plan, audience=AUDIENCE[:1], actor=planner)
    with at(2026, 9, 25, 10):
        plan = suspension_cancel(plan, reason="작업 취소", actor=planner)

    cancelled = [n for n in notices(plan) if ":2:" in n.idempotency_key]
    assert [(n.channel, n.recipient) for n in cancelled] == [("email", "kim@example.com")]
    assert "[서비스 중단 취소]" in cancelled[0].subject
    assert plan.state == SuspensionState.CANCELLED
    assert plan.lead_days == 14  # the lead given for the window called off, not re-measured
    assert Deadline.objects.get(pk=plan.deadline_id).state == DeadlineState.MET


def test_cancelling_a_plan_not_yet_published_cancels_its_clock(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))
        plan = suspension_cancel(plan, reason="작업 취소", actor=planner)

    assert Deadline.objects.get(pk=plan.deadline_id).state == DeadlineState.CANCELLED
    assert notices(plan) == []
    with at(2026, 9, 21, 10), pytest.raises(NoticeError):
        suspension_reschedule(
            plan,
            starts_at=kst(2026, 10, 20, 9),
            ends_at=kst(2026, 10, 20, 10),
            reason="x",
            actor=planner,
        )


def test_a_reschedule_without_a_reason_is_refused(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9))
        with pytest.raises(NoticeError) as refused:
            suspension_reschedule(
                plan,
                starts_at=kst(2026, 10, 20, 9),
                ends_at=kst(2026, 10, 20, 10),
                reason=" ",
                actor=planner,
            )

    assert "reason" in refused.value.message_dict


# --- announcements --------------------------------------------------------------------------


def test_a_spec_completed_friday_17_00_is_due_friday_18_00_and_publishing_meets_it(planner):
    with at(2026, 10, 2, 17, 10):
        announcement = recorded(planner, completed_at=kst(2026, 10, 2, 17))
    clock = announcement.deadline
    assert clock.commitment_code == "info.spec-announcement"
    assert clock.division.code == "information"
    assert clock.calendar_code == "krx-exchange"
    assert clock.due_at == kst(2026, 10, 2, 18)

    with at(2026, 10, 2, 17, 40):
        announcement_publish(announcement, actor=planner)

    clock.refresh_from_db()
    assert clock.state == DeadlineState.MET


def test_a_spec_completed_friday_18_30_is_due_on_the_next_business_day_after_the_holiday(planner):
    # Fri Oct 2 18:30 is after closing; Sat 3, Sun 4, Mon 5 (substitute holiday) are closed:
    # the next business day is Tue Oct 6, due at its closing.
    with at(2026, 10, 2, 18, 40):
        announcement = recorded(planner, completed_at=kst(2026, 10, 2, 18, 30))

    assert announcement.deadline.due_at == kst(2026, 10, 6, 18)


def test_an_announcement_published_late_is_breached_and_published_once(planner):
    with at(2026, 10, 2, 17, 10):
        announcement = recorded(planner, completed_at=kst(2026, 10, 2, 17))
    with at(2026, 10, 6, 9):
        announcement_publish(announcement, actor=planner)
        with pytest.raises(NoticeError):
            announcement_publish(announcement, actor=planner)

    assert Deadline.objects.get(pk=announcement.deadline_id).state == DeadlineState.BREACHED


def test_a_spec_completed_in_the_future_or_without_a_title_is_refused(planner):
    with at(2026, 10, 2, 17), pytest.raises(NoticeError) as refused:
        recorded(planner, completed_at=kst(2026, 10, 2, 19), title_ko="")

    assert set(refused.value.message_dict) == {"spec_completed_at", "title_ko"}


def test_a_published_notice_without_a_clock_of_its_own_is_rescheduled_on_a_new_one(planner):
    from tests.notifications.notice_factories import PublishedSuspensionFactory

    with at(2026, 9, 20, 10):
        plan = PublishedSuspensionFactory(
            starts_at=kst(2026, 10, 5, 9), ends_at=kst(2026, 10, 5, 12), planned_by=planner
        )
        plan = suspension_reschedule(
            plan,
            starts_at=kst(2026, 10, 19, 9),
            ends_at=kst(2026, 10, 19, 12),
            reason="일정 조정",
            actor=planner,
        )

    clock = Deadline.objects.get(pk=plan.deadline_id)
    assert clock.due_at == kst(2026, 10, 12, 9)
    assert clock.state == DeadlineState.MET
    assert clock.owner == planner


def test_document_and_phone_notices_are_recorded_by_the_publisher(planner):
    with at(2026, 9, 20, 10):
        plan = planned(planner, starts_at=kst(2026, 10, 5, 9), channels=["screen", "document"])
        with pytest.raises(NoticeError) as refused:
            suspension_publish(plan, audience=AUDIENCE, actor=planner, manual_note=" ")
        plan = suspension_publish(
            plan, audience=AUDIENCE, actor=planner, manual_note="공문 제2026-17호 발송"
        )

    assert "manual_note" in refused.value.message_dict
    assert plan.manual_note == "공문 제2026-17호 발송"
    assert notices(plan) == []  # neither e-mail nor SMS was chosen
    assert Deadline.objects.get(pk=plan.deadline_id).state == DeadlineState.MET
