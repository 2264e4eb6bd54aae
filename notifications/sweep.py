"""The sweep: record every step a clock owes and write its messages to the outbox.

The ``sweep_deadlines`` command and the Celery task ``notifications.tasks.sweep_deadlines``
call :func:`sweep`; nothing else records reminders, breaches or escalations.

When a message is sent (``send_after``):

- clocks counted in wall-clock time around the clock (``elapsed``) send at once;
- every other kind is business-time for delivery: staff hear at once during working hours of
  the clock's calendar, else at its next opening. The message is written now all the same, so
  it exists even if every worker dies before then. That includes ``calendar_days``,
  ``lead_time`` and ``every``: their due instants ignore the calendar, but the people who act
  on them work office hours;
- on-call contacts are added outside working time and always hear at once (that is what
  being on call means);
- an urgent commitment sends SMS to every recipient with a mobile number, at once, written
  before the e-mails (delivery takes rows oldest first), whatever the kind; e-mail follows the
  rules above.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from commitments import business_time as bt
from commitments import decisions
from commitments.deadlines import deadline_record_step
from commitments.models import Contact, Deadline, DeadlineEvent
from commitments.models.deadline import EventKind
from notifications import clock, messages, recipients
from notifications.models import Notification, NotificationState, WorkerHeartbeat
from notifications.outbox import notification_enqueue

logger = logging.getLogger(__name__)

#: How long a clock that crashed the sweep waits before it is tried again.
RETRY_AFTER_ERROR = timedelta(minutes=5)
#: One sweep claims at most this many batches; the next tick picks up the rest.
MAX_BATCHES = 200
#: More steps than any plan holds (two reminders, breach, two escalations): a guard, not a rule.
MAX_STEPS_PER_CLOCK = 12
HEARTBEAT_NAME = "sweep"
IMMEDIATE_KINDS = frozenset({"elapsed"})


@dataclass
class SweepResult:
    clocks_claimed: int = 0
    steps_recorded: int = 0
    notifications_written: int = 0
    errors: int = 0
    error_clocks: list[int] = field(default_factory=list)


def sweep(*, now: datetime | None = None, batch_size: int = 500) -> SweepResult:
    """Record every step due at ``now`` and write its messages to the outbox.

    1. Take "now" from :func:`notifications.clock.now` (the database's clock) unless given.
    2. In one short transaction, claim up to ``batch_size`` clocks whose ``next_action_at``
       has come, oldest first, ``FOR UPDATE SKIP LOCKED``: a second sweeper running at the
       same time claims other rows, never these.
    3. For each clock, inside its own savepoint, ask :func:`commitments.decisions.decide`
       for the step due and record it with its messages, again and again until nothing more
       is due: a clock born past due owes its breach and escalation at once. A reminder
       overtaken by its breach is recorded without messages. The event's unique step key and
       each message's idempotency key make a repeat impossible even if a lock were lost.
    4. A clock that raises is rolled back to its savepoint alone: its next action moves
       :data:`RETRY_AFTER_ERROR` on, ``last_error`` says why, an error event records it, and
       the batch goes on.
    5. Commit the batch; repeat while batches come back full (at most :data:`MAX_BATCHES`).
    6. Record the sweep's heartbeat (shown by ``/healthz``).
    """
    now = now or clock.now()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("sweep(now=…) needs a time zone offset")
    result = SweepResult()
    superusers = recipients.superusers_loader()
    for _batch in range(MAX_BATCHES):
        with transaction.atomic():
            claimed = list(_claim(now=now, limit=batch_size))
            for deadline in claimed:
                _sweep_clock(deadline, now=now, result=result, superusers=superusers)
        result.clocks_claimed += len(claimed)
        if len(claimed) < batch_size:
            break
    else:
        logger.warning("sweep stopped after %s batches; the next run goes on", MAX_BATCHES)
    # An upsert, so two sweepers finishing together do not collide on the unique name.
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(name=HEARTBEAT_NAME, at=now)],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["at"],
    )
    return result


def _claim(*, now: datetime, limit: int):
    on_call = Prefetch(
        "service__contacts",
        queryset=Contact.objects.filter(on_call=True).select_related("user__staff_profile"),
    )
    return (
        Deadline.objects.filter(next_action_at__lte=now)
        .order_by("next_action_at", "pk")
        .select_related(
            "terms",
            "commitment",
            "owner__staff_profile",
            "team__manager__staff_profile",
            "team__division__head__staff_profile",
            "division__head__staff_profile",
            "service",
        )
        .prefetch_related(on_call)
        # Lock the clock rows only: the joined directory rows are read, not changed, and
        # PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        .select_for_update(skip_locked=True, of=("self",))[:limit]
    )


def _sweep_clock(deadline: Deadline, *, now: datetime, result: SweepResult, superusers) -> None:
    step: decisions.Step | None = None
    try:
        with transaction.atomic():
            steps = written = 0
            while True:
                step = None  # so an error while deciding is not blamed on the last step
                step = decisions.decide(deadline, now=now)
                if step is None:
                    break
                if steps >= MAX_STEPS_PER_CLOCK:
                    raise RuntimeError(f"clock {deadline.pk} owes more steps than any plan holds")
                written += _take_step(deadline, step, now=now, superusers=superusers)
                steps += 1
            if steps == 0:
                _repair(deadline, now=now)
            if deadline.last_error:
                # It went through this time: the error shown on the clock is history.
                Deadline.objects.filter(pk=deadline.pk).update(last_error="")
    except Exception as exc:  # one clock's fault must never stop the others
        result.errors += 1
        result.error_clocks.append(deadline.pk)
        _record_error(deadline, exc, step=step, now=now)
        return
    result.steps_recorded += steps
    result.notifications_written += written


def _take_step(deadline: Deadline, step: decisions.Step, *, now: datetime, superusers) -> int:
    """Record ``step`` and write its messages; the number of outbox rows written."""
    if decisions.is_overtaken(deadline, step, now=now):
        # The sweep was down past due: a reminder about a deadline already missed is noise,
        # the breach that follows in this same sweep says it all.
        _record_step(deadline, step, now=now, data={"overtaken": True})
        return 0
    name = notification_step(step)
    urgent = bool(deadline.params.get("urgent"))
    audience = recipients.step_recipients(
        deadline=deadline, step=name, at=now, urgent=urgent, superusers=superusers
    )
    event = _record_step(
        deadline,
        step,
        now=now,
        data={"messages": len(audience.recipients)},  # the rows themselves say to whom
    )
    if audience.notes:
        DeadlineEvent.objects.filter(pk=event.pk).update(note="; ".join(audience.notes))
    staff_send_after = send_after_for(deadline=deadline, now=now)
    # SMS first: an urgent clock's text messages are the ones that must not wait.
    ordered = sorted(audience.recipients, key=lambda r: r.channel != "sms")
    for recipient in ordered:
        immediate = recipient.on_call or (urgent and recipient.channel == "sms")
        _write(
            deadline,
            step,
            name=name,
            recipient=recipient,
            send_after=now if immediate else staff_send_after,
        )
    return len(ordered)


def _record_step(
    deadline: Deadline, step: decisions.Step, *, now: datetime, data: dict
) -> DeadlineEvent:
    """:func:`deadline_record_step`, keeping the directory rows the claim loaded.

    The service reloads the locked row, and reloading drops every cached relation; the
    next step's recipients and message would then query the owner, team, division and
    commitment once per clock. We hold the row lock, so those relations cannot have changed."""
    cached = [
        (relation, relation.get_cached_value(deadline))
        for relation in Deadline._meta.concrete_fields
        if relation.is_relation and relation.is_cached(deadline)
    ]
    event = deadline_record_step(deadline, step, now=now, data=data)
    for relation, value in cached:
        if value is None or getattr(deadline, relation.attname) == value.pk:
            relation.set_cached_value(deadline, value)
    return event


def notification_step(step: decisions.Step) -> str:
    """The outbox's name for a clock step: reminder, breach, escalation-1, escalation-2."""
    if step.kind == "escalation":
        return f"escalation-{step.level}"
    return step.kind


def send_after_for(*, deadline: Deadline, now: datetime) -> datetime:
    """When staff hear about a step written at ``now`` (see the module's docstring)."""
    if deadline.kind in IMMEDIATE_KINDS:
        return now
    return bt.next_working_instant(deadline.work_calendar, now)


def idempotency_key(*, deadline: Deadline, step_key: str, channel: str, address: str) -> str:
    key = f"clock:{deadline.pk}:{step_key}:{channel}:{address.lower()}"
    if len(key) > 200:  # the column's length; a long address is hashed, not cut
        digest = hashlib.sha256(address.lower().encode()).hexdigest()[:40]
        key = f"clock:{deadline.pk}:{step_key}:{channel}:sha256:{digest}"
    return key


def _write(
    deadline: Deadline,
    step: decisions.Step,
    *,
    name: str,
    recipient: recipients.Recipient,
    send_after: datetime,
) -> Notification:
    error = ""
    try:
        message = messages.step_message(
            deadline=deadline,
            step=name,
            step_at=step.at,
            language=recipient.language,
            percent=step.percent,
        )
    except messages.RenderError as exc:
        error = f"message could not be rendered: {exc}"
        message = messages.fallback_message(deadline=deadline, step=name)
    notification = notification_enqueue(
        idempotency_key=idempotency_key(
            deadline=deadline,
            step_key=step.key,
            channel=recipient.channel,
            address=recipient.address,
        ),
        step=name,
        channel=recipient.channel,
        recipient=recipient.address,
        recipient_user=recipient.user,
        language=recipient.language,
        subject=message.subject,
        body=message.body,
        deadline=deadline,
        send_after=send_after,
    )
    if error:
        # Written all the same, failed, so admins see that a message was owed and why not.
        Notification.objects.filter(pk=notification.pk, state=NotificationState.QUEUED).update(
            state=NotificationState.FAILED, last_error=error, next_attempt_at=None
        )
    return notification


def _repair(deadline: Deadline, *, now: datetime) -> None:
    """A claimed clock that owes nothing now had a stale ``next_action_at``; recompute it so
    the sweep does not claim it again and again."""
    planned = decisions.next_action_at(deadline)
    if planned is not None and planned <= now:
        raise RuntimeError(f"clock {deadline.pk} is due at {planned} but owes no step")
    Deadline.objects.filter(pk=deadline.pk).update(next_action_at=planned)


def _record_error(
    deadline: Deadline, exc: Exception, *, step: decisions.Step | None, now: datetime
) -> None:
    reason = f"{exc.__class__.__name__}: {exc}"[:2000]
    logger.exception("sweep: clock %s failed", deadline.pk, exc_info=exc)
    Deadline.objects.filter(pk=deadline.pk).update(
        next_action_at=now + RETRY_AFTER_ERROR, last_error=reason, updated_at=timezone.now()
    )
    DeadlineEvent.objects.create(
        deadline_id=deadline.pk,
        kind=EventKind.ERROR,
        at=now,
        note=reason,
        data={
            "step": step.key if step else None,
            "retry_at": (now + RETRY_AFTER_ERROR).isoformat(),
        },
    )
