"""The sweep on the seeded charter: the clock events it records, and the outbox rows (who, which
channel, when) it writes in the same transaction. Subjects are bare (``subject_type="test"``).

Calendars are Mon–Fri 09:00–18:00 Asia/Seoul. Holidays used (holidays==0.109, 2026): Chuseok
Thu–Sat Sep 24–26, Oct 3 (Sat) with Oct 5 substitute, Hangul Day Fri Oct 9. Every expected
instant shows its arithmetic. The sweep is given ``now``; nothing depends on the machine's time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from commitments.deadlines import deadline_start, deadline_stop
from commitments.models import (
    Calendar,
    ClockTerms,
    Commitment,
    Contact,
    Deadline,
    DeadlineEvent,
    Service,
    StaffProfile,
)
from commitments.subjects import REQUEST_SUBJECT
from notifications import messages
from notifications.models import Notification, NotificationState, WorkerHeartbeat
from notifications.sweep import RETRY_AFTER_ERROR, SweepResult, idempotency_key, sweep
from tests.factories import CommitmentFactory, DivisionFactory, TeamFactory, UserFactory
from tests.seoul import kst

SECOND = timedelta(seconds=1)


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """Seed the charter once for the module inside a transaction rolled back at the end; each
    test's own transaction is a savepoint inside it (seeding takes about a second)."""
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


def staff(username: str, *, language: str = "ko", sms: bool = False, phone: str = ""):
    user = UserFactory(username=username, email=f"{username}@example.com")
    StaffProfile.objects.create(user=user, language=language, notify_by_sms=sms, phone=phone)
    return user


@dataclass
class People:
    owner: object
    manager: object
    head: object
    team: object
    division: object


@pytest.fixture
def people(charter) -> People:
    head = staff("t-head")
    manager = staff("t-manager", language="en")
    owner = staff("t-owner")
    division = DivisionFactory(
        code="t-division", calendar=Calendar.objects.get(code="kr-public"), head=head
    )
    team = TeamFactory(code="t-team", division=division, manager=manager)
    return People(owner=owner, manager=manager, head=head, team=team, division=division)


def start(
    people: People,
    code: str,
    started_at: datetime,
    *,
    now: datetime | None = None,
    subject_type: str = "test",
    subject_id: str = "1",
    **kwargs,
) -> Deadline:
    fields = {"division": people.division, "team": people.team, "owner": people.owner}
    fields.update(kwargs)
    return deadline_start(
        commitment=Commitment.objects.get(code=code),
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=f"Request {subject_id}",
        started_at=started_at,
        now=now or started_at,
        **fields,
    )


def steps(clock: Deadline) -> list[tuple[str, datetime]]:
    return [(e.step_key, e.at) for e in clock.events.filter(step_key__isnull=False)]


def outbox(clock: Deadline, step: str | None = None) -> set[tuple[str, str, str, datetime]]:
    rows = Notification.objects.filter(deadline=clock)
    if step:
        rows = rows.filter(step=step)
    return {(n.step, n.channel, n.recipient, n.send_after) for n in rows}


# --- reminders ------------------------------------------------------------------------------


def test_it_reminds_at_50_and_80_percent_of_the_working_time_across_chuseok(people):
    # The SPEC's example: 9 working hours from Wed Sep 23 15:00 → due Mon Sep 28 15:00.
    clock = start(people, "common.feasibility", kst(2026, 9, 23, 15))

    # Chuseok counts for nothing: at noon on the holiday no working time has passed.
    assert sweep(now=kst(2026, 9, 24, 12)).steps_recorded == 0
    # 50 % = 4 h 30: 3 h on Wednesday, then Mon 09:00 + 1 h 30 = 10:30.
    assert sweep(now=kst(2026, 9, 28, 10, 29, 59)).steps_recorded == 0
    assert sweep(now=kst(2026, 9, 28, 10, 30)).steps_recorded == 1
    # 80 % = 7 h 12: 3 h on Wednesday, then Mon 09:00 + 4 h 12 = 13:12.
    assert sweep(now=kst(2026, 9, 28, 13, 12)).steps_recorded == 1

    assert steps(clock) == [
        ("reminder-50", kst(2026, 9, 28, 10, 30)),
        ("reminder-80", kst(2026, 9, 28, 13, 12)),
    ]
    # The owner hears, by e-mail (their preference), at once: it is working time.
    assert outbox(clock) == {
        ("reminder", "email", "t-owner@example.com", kst(2026, 9, 28, 10, 30)),
        ("reminder", "email", "t-owner@example.com", kst(2026, 9, 28, 13, 12)),
    }
    # In the owner's language, Korean unless their profile says otherwise.
    assert [n.subject for n in Notification.objects.filter(deadline=clock).order_by("pk")] == [
        "[알림 50%] Request 1 기한 2026-09-28 (월요일) 15:00 KST",
        "[알림 80%] Request 1 기한 2026-09-28 (월요일) 15:00 KST",
    ]
    clock.refresh_from_db()
    assert clock.next_action_at == kst(2026, 9, 28, 15)  # the breach


def test_it_reminds_the_team_manager_when_the_clock_has_no_owner(people):
    clock = start(people, "common.feasibility", kst(2026, 9, 23, 15), owner=None)

    sweep(now=kst(2026, 9, 28, 10, 30))

    assert outbox(clock) == {
        ("reminder", "email", "t-manager@example.com", kst(2026, 9, 28, 10, 30)),
    }


def test_it_skips_the_reminders_whose_moment_passed_before_the_clock_was_recorded(people):
    # Entered at 14:00 for a request received at 09:00: 9 h → due 18:00 the same day.
    # 50 % at 13:30 had passed when it was recorded; 80 % at 16:12 had not.
    clock = start(people, "common.feasibility", kst(2026, 9, 22, 9), now=kst(2026, 9, 22, 14))

    sweep(now=kst(2026, 9, 22, 16, 12))

    assert steps(clock) == [("reminder-80", kst(2026, 9, 22, 16, 12))]
    assert {row[0] for row in outbox(clock)} == {"reminder"}


def test_it_records_a_reminder_overtaken_by_its_breach_without_a_message(people):
    clock = start(people, "common.feasibility", kst(2026, 9, 22, 9))

    # The sweep was down from before 13:30 until 18:05: both reminders are news nobody needs.
    sweep(now=kst(2026, 9, 22, 18, 5))

    assert [key for key, _at in steps(clock)] == [
        "reminder-50",
        "reminder-80",
        "breach",
        "escalation-1",
    ]
    assert Notification.objects.filter(deadline=clock, step="reminder").count() == 0
    assert clock.events.get(step_key="reminder-50").data["overtaken"] is True


# --- breach and escalation ------------------------------------------------------------------


def test_it_breaches_and_escalates_at_once_a_clock_born_past_due(people):
    # Received Tue Oct 13 10:00, entered Wed 11:00: 9 h → due Wed Oct 14 10:00, already past.
    clock = start(people, "common.feasibility", kst(2026, 10, 13, 10), now=kst(2026, 10, 14, 11))

    result = sweep(now=kst(2026, 10, 14, 11))

    assert result.steps_recorded == 2
    # Recorded at the due instant, not when the sweep got to them; no reminders about the past.
    assert steps(clock) == [
        ("breach", kst(2026, 10, 14, 10)),
        ("escalation-1", kst(2026, 10, 14, 10)),
    ]
    now = kst(2026, 10, 14, 11)
    assert outbox(clock) == {
        ("breach", "email", "t-owner@example.com", now),
        ("breach", "email", "t-manager@example.com", now),
        ("escalation-1", "email", "t-manager@example.com", now),
    }
    clock.refresh_from_db()
    assert clock.state == "breached"
    # Level 2 is owed 9 working hours after due: Wed 10:00 + 8 h → 18:00, Thu 09:00 + 1 h.
    assert clock.next_action_at == kst(2026, 10, 15, 10)


def test_it_escalates_to_the_division_head_nine_working_hours_after_due_across_a_holiday(people):
    # 9 h from Wed Oct 7 15:00 → 3 h Wed, Thu 09:00 + 6 h = due Thu Oct 8 15:00.
    clock = start(people, "common.feasibility", kst(2026, 10, 7, 15))
    sweep(now=kst(2026, 10, 8, 15))

    # Level 2: Thu 15:00–18:00 = 3 h; Hangul Day Fri Oct 9, the weekend; Mon 09:00 + 6 h.
    assert sweep(now=kst(2026, 10, 12, 14, 59, 59)).steps_recorded == 0
    assert sweep(now=kst(2026, 10, 12, 15)).steps_recorded == 1

    assert steps(clock)[-1] == ("escalation-2", kst(2026, 10, 12, 15))
    assert outbox(clock, "escalation-2") == {
        ("escalation-2", "email", "t-head@example.com", kst(2026, 10, 12, 15)),
    }
    clock.refresh_from_db()
    assert clock.next_action_at is None


def test_it_escalates_a_short_elapsed_clock_a_quarter_of_its_target_after_due(people):
    commitment = CommitmentFactory(
        code="test.elapsed-40", target_kind="elapsed", target_minutes=40, pause_on_waiting=False
    )
    clock = start(people, commitment.code, kst(2026, 10, 13, 10))

    # Wall-clock time: 50 % at 10:20, 80 % at 10:32, due 10:40, level 2 at + 40 min / 4.
    for at in ("10:20", "10:32", "10:40", "10:50"):
        hour, minute = map(int, at.split(":"))
        sweep(now=kst(2026, 10, 13, hour, minute))

    assert steps(clock) == [
        ("reminder-50", kst(2026, 10, 13, 10, 20)),
        ("reminder-80", kst(2026, 10, 13, 10, 32)),
        ("breach", kst(2026, 10, 13, 10, 40)),
        ("escalation-1", kst(2026, 10, 13, 10, 40)),
        ("escalation-2", kst(2026, 10, 13, 10, 50)),
    ]


def test_it_never_breaches_a_clock_met_one_second_before_due(people):
    clock = start(people, "common.feasibility", kst(2026, 10, 13, 10))
    deadline_stop(clock, at=kst(2026, 10, 14, 10) - SECOND, cause="feasibility communicated")

    result = sweep(now=kst(2026, 10, 16, 12))

    assert result == SweepResult()
    clock.refresh_from_db()
    assert clock.state == "met"
    assert not clock.events.filter(step_key="breach").exists()
    assert not Notification.objects.filter(deadline=clock, step="breach").exists()


def test_it_records_breaches_at_their_due_instants_when_time_jumps_over_chuseok(people):
    commitment = CommitmentFactory(
        code="test.elapsed-60", target_kind="elapsed", target_minutes=60, pause_on_waiting=False
    )
    starts = [kst(2026, 9, 24, 11), kst(2026, 9, 26, 14), kst(2026, 9, 27, 8)]  # Thu, Sat, Sun
    clocks = [start(people, commitment.code, at, subject_id=str(n)) for n, at in enumerate(starts)]
    business = start(people, "common.feasibility", kst(2026, 9, 23, 15), subject_id="9")

    # Nobody swept from Wednesday until Monday 09:30.
    result = sweep(now=kst(2026, 9, 28, 9, 30))

    for clock, started in zip(clocks, starts, strict=True):
        due = started + timedelta(hours=1)
        assert [(key, at) for key, at in steps(clock) if not key.startswith("reminder")] == [
            ("breach", due),
            ("escalation-1", due),
            ("escalation-2", due + timedelta(minutes=15)),  # a quarter of 60 minutes
        ]
        assert clock.events.get(step_key="breach").data["swept_at"] == "2026-09-28T09:30:00+09:00"
    # The business clock counted nothing over the holiday and the weekend: not even reminded.
    assert steps(business) == []
    assert result.clocks_claimed == 3


def test_it_escalates_past_a_missing_manager_and_notes_it_on_the_clock(people):
    people.team.manager = None
    people.team.save()
    clock = start(people, "common.feasibility", kst(2026, 10, 13, 10), now=kst(2026, 10, 14, 11))

    sweep(now=kst(2026, 10, 14, 11))

    assert {row[2] for row in outbox(clock, "escalation-1")} == {"t-head@example.com"}
    event = clock.events.get(step_key="escalation-1")
    assert event.note == "no reachable team manager: told the division head"


# --- idempotency ----------------------------------------------------------------------------


def test_it_records_each_step_once_when_swept_twice(people):
    clock = start(people, "common.feasibility", kst(2026, 10, 13, 10), now=kst(2026, 10, 14, 11))

    first = sweep(now=kst(2026, 10, 14, 11))
    second = sweep(now=kst(2026, 10, 14, 11))

    assert (first.steps_recorded, first.notifications_written) == (2, 3)
    assert (second.clocks_claimed, second.steps_recorded, second.notifications_written) == (0, 0, 0)
    assert clock.events.filter(step_key__isnull=False).count() == 2
    assert Notification.objects.filter(deadline=clock).count() == 3


def test_it_writes_one_notification_per_address_when_the_owner_is_also_the_manager(people):
    clock = start(
        people,
        "common.feasibility",
        kst(2026, 10, 13, 10),
        now=kst(2026, 10, 14, 11),
        owner=people.manager,
    )

    sweep(now=kst(2026, 10, 14, 11))

    assert Notification.objects.filter(deadline=clock, step="breach").count() == 1


# --- errors ---------------------------------------------------------------------------------


def test_a_clock_that_crashes_the_sweep_does_not_block_the_others(people):
    entered = kst(2026, 10, 14, 11)  # after due: each owes its breach and escalation-1
    broken = start(people, "common.feasibility", kst(2026, 10, 13, 10), now=entered, subject_id="1")
    healthy = start(
        people, "common.feasibility", kst(2026, 10, 13, 10), now=entered, subject_id="2"
    )
    # Corrupt terms of its own (a bad hand edit): reminders that are not percentages.
    terms = broken.terms
    corrupt = ClockTerms.objects.create(
        digest="corrupt",
        commitment_code=terms.commitment_code,
        calendar_code=terms.calendar_code,
        params={**terms.params, "reminder_percents": "fifty"},
        calendar=terms.calendar,
    )
    Deadline.objects.filter(pk=broken.pk).update(terms=corrupt)
    now = kst(2026, 10, 14, 11)

    result = sweep(now=now)

    assert (result.clocks_claimed, result.errors, result.error_clocks) == (2, 1, [broken.pk])
    assert [key for key, _at in steps(healthy)] == ["breach", "escalation-1"]
    broken.refresh_from_db()
    assert broken.next_action_at == now + RETRY_AFTER_ERROR
    assert broken.last_error.startswith("TypeError: ")
    assert broken.steps_done == []
    error = broken.events.get(kind="error")
    assert (error.step_key, error.at, error.note) == (None, now, broken.last_error)

    # Repaired: the next sweep after the pause takes its steps and clears the error.
    ClockTerms.objects.filter(pk=corrupt.pk).update(params=terms.params)
    assert sweep(now=now + RETRY_AFTER_ERROR).steps_recorded == 2
    broken.refresh_from_db()
    assert broken.last_error == ""
    assert steps(broken)[0] == ("breach", kst(2026, 10, 14, 10))


def test_a_message_that_fails_to_render_is_written_failed_and_the_step_still_recorded(
    people, monkeypatch
):
    monkeypatch.setattr(messages, "STEP_TEMPLATE", "notifications/steps/{step}-missing.txt")
    clock = start(people, "common.feasibility", kst(2026, 10, 13, 10), now=kst(2026, 10, 14, 11))

    result = sweep(now=kst(2026, 10, 14, 11))

    assert (result.steps_recorded, result.errors) == (2, 0)
    rows = Notification.objects.filter(deadline=clock)
    assert rows.count() == 3
    for row in rows:
        assert row.state == NotificationState.FAILED
        assert row.next_attempt_at is None
        assert "TemplateDoesNotExist" in row.last_error
        assert "common.feasibility" in row.subject  # enough for an admin to know what it was


def test_it_repairs_a_clock_whose_next_action_is_stale(people):
    clock = start(people, "common.feasibility", kst(2026, 10, 13, 10))
    Deadline.objects.filter(pk=clock.pk).update(next_action_at=kst(2026, 10, 13, 11))

    result = sweep(now=kst(2026, 10, 13, 12))

    assert (result.clocks_claimed, result.steps_recorded, result.errors) == (1, 0, 0)
    clock.refresh_from_db()
    assert clock.next_action_at == kst(2026, 10, 13, 14, 30)  # reminder-50: 10:00 + 4 h 30


# --- when and how messages go ---------------------------------------------------------------


def test_a_business_clock_reminder_is_sent_at_once_inside_working_hours(people):
    # 9 h from Tue Sep 22 13:00: 50 % = 4 h 30 → 17:30, inside the day's hours.
    clock = start(people, "common.feasibility", kst(2026, 9, 22, 13))

    sweep(now=kst(2026, 9, 22, 17, 30))

    assert outbox(clock) == {
        ("reminder", "email", "t-owner@example.com", kst(2026, 9, 22, 17, 30)),
    }


def test_a_business_clock_reminder_written_after_closing_waits_for_the_next_opening(people):
    # 9 h from Wed Sep 23 10:00: 50 % at 14:30, 80 % at 17:12, due Mon Sep 28 10:00.
    clock = start(people, "common.feasibility", kst(2026, 9, 23, 10))

    # The sweep catches up at 20:00: both are written now, to be sent after Chuseok.
    sweep(now=kst(2026, 9, 23, 20))

    monday = kst(2026, 9, 28, 9)
    assert [key for key, _at in steps(clock)] == ["reminder-50", "reminder-80"]
    assert {row[3] for row in outbox(clock)} == {monday}
    assert Notification.objects.filter(deadline=clock).count() == 2
    assert {n.next_attempt_at for n in Notification.objects.filter(deadline=clock)} == {monday}


def test_an_elapsed_clock_is_sent_at_once_at_night_and_the_on_call_contact_hears_too(people):
    network = Service.objects.get(code="network")
    on_call = Contact.objects.get(service=network, on_call=True)
    commitment = CommitmentFactory(
        code="test.night-60", target_kind="elapsed", target_minutes=60, pause_on_waiting=False
    )
    # Started Sat Oct 17 22:00 → due 23:00.
    clock = start(people, commitment.code, kst(2026, 10, 17, 22), service=network)

    sweep(now=kst(2026, 10, 17, 23))

    night = kst(2026, 10, 17, 23)
    assert outbox(clock, "breach") == {
        ("breach", "email", "t-owner@example.com", night),
        ("breach", "email", "t-manager@example.com", night),
        ("breach", "sms", on_call.mobile, night),
        ("breach", "email", on_call.email, night),
    }


def test_the_on_call_contact_is_not_told_during_working_hours(people):
    network = Service.objects.get(code="network")
    commitment = CommitmentFactory(
        code="test.day-60", target_kind="elapsed", target_minutes=60, pause_on_waiting=False
    )
    clock = start(people, commitment.code, kst(2026, 10, 13, 10), service=network)

    sweep(now=kst(2026, 10, 13, 11))

    assert {row[2] for row in outbox(clock, "breach")} == {
        "t-owner@example.com",
        "t-manager@example.com",
    }


def test_an_urgent_clock_texts_first_and_at_once_even_to_someone_who_prefers_e_mail(people):
    StaffProfile.objects.filter(user=people.owner).update(phone="010-0000-1234")
    # network.trouble-plan: urgent, 30 minutes 24×7. Received Tue Oct 13 10:00 → 50 % at 10:15.
    clock = start(people, "network.trouble-plan", kst(2026, 10, 13, 10))

    sweep(now=kst(2026, 10, 13, 10, 15))

    rows = list(Notification.objects.filter(deadline=clock).order_by("pk"))
    assert [(n.channel, n.recipient) for n in rows] == [
        ("sms", "010-0000-1234"),
        ("email", "t-owner@example.com"),
    ]
    assert {n.send_after for n in rows} == {kst(2026, 10, 13, 10, 15)}


def test_an_urgent_business_clock_texts_at_once_and_mails_at_the_next_opening(people):
    StaffProfile.objects.filter(user=people.owner).update(phone="010-0000-1234")
    commitment = CommitmentFactory(code="test.urgent-business", urgent=True)
    # 9 h from Wed Sep 23 10:00: the sweep writes both reminders at 20:00 that evening.
    clock = start(people, commitment.code, kst(2026, 9, 23, 10))

    sweep(now=kst(2026, 9, 23, 20))

    assert outbox(clock) == {
        ("reminder", "sms", "010-0000-1234", kst(2026, 9, 23, 20)),
        ("reminder", "email", "t-owner@example.com", kst(2026, 9, 28, 9)),
    }


def test_each_recipient_reads_the_message_in_their_own_language(people):
    clock = start(
        people,
        "common.feasibility",
        kst(2026, 10, 13, 10),
        now=kst(2026, 10, 14, 11),
        subject_type=REQUEST_SUBJECT,
    )

    with override_settings(SITE_URL="https://charter.example.com"):
        sweep(now=kst(2026, 10, 14, 11))

    english = Notification.objects.get(deadline=clock, step="breach", recipient_user=people.manager)
    korean = Notification.objects.get(deadline=clock, step="breach", recipient_user=people.owner)
    assert english.language == "en"
    assert english.subject == "[Breached] Request 1 was due 2026-10-14 (Wed) 10:00 KST"
    assert "Review of feasibility" in english.body or "feasibility" in english.body.lower()
    # The link is resolved when the message is written, in the reader's language.
    assert "https://charter.example.com/en/desk/requests/1/" in english.body
    assert "common.feasibility" in english.body
    assert korean.language == "ko"
    assert "2026-10-14 (수요일) 10:00 KST" in korean.subject
    assert Commitment.objects.get(code="common.feasibility").title_ko in korean.body
    assert "https://charter.example.com/desk/requests/1/" in korean.body


# --- the sweep as a whole -------------------------------------------------------------------


def test_it_refuses_a_naive_now():
    with pytest.raises(ValueError, match="time zone offset"):
        sweep(now=datetime(2026, 10, 13, 10))


def test_it_records_its_heartbeat(people):
    sweep(now=kst(2026, 10, 13, 10))
    sweep(now=kst(2026, 10, 13, 10, 0, 10))

    assert WorkerHeartbeat.objects.get(name="sweep").at == kst(2026, 10, 13, 10, 0, 10)


def test_it_claims_due_clocks_in_batches_until_none_are_left(people):
    for n in range(7):
        start(people, "common.feasibility", kst(2026, 10, 13, 10), subject_id=str(n))

    result = sweep(now=kst(2026, 10, 13, 14, 30), batch_size=3)

    assert (result.clocks_claimed, result.steps_recorded) == (7, 7)


def _queries_to_sweep(people, *, clocks: int, batch_size: int = 500) -> int:
    """Queries to sweep ``clocks`` new clocks each owing one reminder (to one owner)."""
    for n in range(clocks):
        start(people, "common.feasibility", kst(2026, 10, 13, 10), subject_id=f"q{clocks}-{n}")
    with CaptureQueriesContext(connection) as captured:
        result = sweep(now=kst(2026, 10, 13, 14, 30), batch_size=batch_size)  # reminder-50
    assert result.steps_recorded == clocks
    Deadline.objects.update(next_action_at=None)  # out of the way of the next measurement
    return len(captured)


def test_an_idle_sweep_over_many_clocks_takes_a_fixed_handful_of_queries(
    people, django_assert_max_num_queries
):
    for n in range(30):
        start(people, "common.feasibility", kst(2026, 10, 13, 10), subject_id=str(n))

    with django_assert_max_num_queries(4):
        sweep(now=kst(2026, 10, 13, 11))


def test_a_batch_costs_the_same_queries_whatever_the_number_of_clocks_in_it(people):
    # Each clock owes one reminder (to one owner). Claiming, loading and writing are done per
    # batch (the claim, which reads the clocks, the directory one table each: terms,
    # commitments, teams, divisions, people; savepoint, one UPDATE of the clocks, one INSERT
    # of the events, one of the outbox rows, release, heartbeat), so ten clocks and a hundred
    # cost the same.
    ten = _queries_to_sweep(people, clocks=10)
    hundred = _queries_to_sweep(people, clocks=100)

    assert ten == hundred
    assert hundred <= 15


def test_each_further_batch_costs_a_fixed_handful_of_queries(people):
    # Per batch: its transaction (a savepoint inside the test's), the claim, the directory
    # (terms, commitments, teams, divisions, people: one query each), the savepoint of the
    # writes, clocks, events, outbox rows, release; the services and their on-call contacts are
    # two more when the clocks have a service.
    one = _queries_to_sweep(people, clocks=10, batch_size=10)
    three = _queries_to_sweep(people, clocks=30, batch_size=10)

    assert (three - one) / 2 <= 16


def test_a_batch_whose_bulk_write_fails_is_written_again_clock_by_clock(people):
    entered = kst(2026, 10, 14, 11)  # after due: each owes its breach and escalation-1
    first = start(people, "common.feasibility", kst(2026, 10, 13, 10), now=entered, subject_id="1")
    second = start(people, "common.feasibility", kst(2026, 10, 13, 10), now=entered, subject_id="2")
    # A message already in the outbox under a key the sweep is about to write (only a bug
    # could do that): the batch's one INSERT collides and the whole batch rolls back to its
    # savepoint. Written again clock by clock, the row already there is kept, not doubled.
    key = idempotency_key(
        deadline=first, step_key="breach", channel="email", address=people.owner.email
    )
    Notification.objects.create(
        idempotency_key=key, step="breach", channel="email", recipient="x", body="earlier"
    )

    result = sweep(now=entered)

    assert (result.batches_redone, result.errors, result.clocks_claimed) == (1, 0, 2)
    assert (result.steps_recorded, result.notifications_written) == (4, 6)
    due = kst(2026, 10, 14, 10)
    for clock in (first, second):
        assert steps(clock) == [("breach", due), ("escalation-1", due)]
        clock.refresh_from_db()
        assert (clock.state, clock.steps_done) == ("breached", ["breach", "escalation-1"])
        assert clock.next_action_at == kst(2026, 10, 15, 10)  # escalation-2: 9 working hours
    assert Notification.objects.get(idempotency_key=key).body == "earlier"
    assert Notification.objects.filter(deadline=second).count() == 3
    assert Notification.objects.filter(deadline=first).count() == 2  # + the one already there
    assert sweep(now=entered).steps_recorded == 0


def test_a_clock_whose_write_fails_even_alone_gets_its_error_and_the_others_their_steps(people):
    entered = kst(2026, 10, 14, 11)  # after due: each owes its breach and escalation-1
    broken = start(people, "common.feasibility", kst(2026, 10, 13, 10), now=entered, subject_id="1")
    healthy = start(
        people, "common.feasibility", kst(2026, 10, 13, 10), now=entered, subject_id="2"
    )
    # A breach event the clock's steps do not know of (only a bug could write it): the batch's
    # one INSERT of events collides, and so does the clock's own write when tried alone.
    DeadlineEvent.objects.create(
        deadline=broken, kind="breached", at=kst(2026, 10, 14, 10), step_key="breach"
    )

    result = sweep(now=entered)

    assert (result.batches_redone, result.errors, result.error_clocks) == (1, 1, [broken.pk])
    assert (result.steps_recorded, result.notifications_written) == (2, 3)
    assert [key for key, _at in steps(healthy)] == ["breach", "escalation-1"]
    assert Notification.objects.filter(deadline=healthy).count() == 3
    broken.refresh_from_db()
    assert (broken.steps_done, broken.state) == ([], "running")
    assert broken.next_action_at == entered + RETRY_AFTER_ERROR
    assert broken.last_error.startswith("IntegrityError: ")
    error = broken.events.get(kind="error")
    assert (error.at, error.note, error.data["step"]) == (entered, broken.last_error, "breach")
    assert not Notification.objects.filter(deadline=broken).exists()
