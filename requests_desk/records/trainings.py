"""Training sessions (``common.training-plan``, ``common.training-day``).

A training a customer asked for owes its plan within a business day of the request
(``common.training-plan``, kept by the plan e-mailed to the customer through the outbox once
the mail server accepts it, :func:`training_plan_send`, or told on the phone,
:func:`training_plan_told`; when the training names the
customer's request of kind ``training``, that request's clock is the one owed and stopped by
its plan communication, and the record starts none) and the session on the promised
day (``common.training-day``: ``by_requested_date``, due at the close of the promised day on the
division's calendar, or of the last business day before it when that day is closed). Only the
session recorded as held (:func:`training_held`) stops the second; held on another day than the
one promised it is late — or, earlier, refused until the new day is recorded (a promised
day that is closed counts as the last business day before it, the clock's due day). A reschedule
(:func:`training_reschedule`) records the new day and who asked for it, and moves the clock's
due instant while it still runs (a breach already recorded stays).
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.deadlines import ClockError, deadline_recompute
from commitments.models import Deadline, DeadlineState, Division
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.cases._common import local_date, start_of
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import Request, Training, TrainingReschedule
from requests_desk.records.common import (
    customer_from,
    not_future,
    record_clock,
    record_clock_start,
    record_clock_stop,
)
from requests_desk.records.messages import (
    customer_addresses,
    date_words,
    record_messages,
    record_messages_send,
)

TRAINING_PLAN = "common.training-plan"
TRAINING_DAY = "common.training-day"


def training_create(
    *,
    division: Division,
    topic: str,
    requested_at: datetime,
    promised_on: date,
    customer=None,
    customer_id=None,
    request: Request | None = None,
    actor=None,
    now: datetime | None = None,
) -> Training:
    """Record a training and start its clocks. Asked for through a customer request (of kind
    ``training``), its plan is owed on that request already: only the day is started here."""
    now = now or timezone.now()
    if request is not None:
        if request.division_id != division.pk:
            raise DeskError({"request": [_("Choose a request of the training's division.")]})
        if customer is None and customer_id is None:
            customer = request.customer
    training = Training(
        division=division,
        request=request,
        customer=customer_from(customer=customer, customer_id=customer_id),
        topic=topic.strip(),
        requested_at=requested_at,
        promised_on=promised_on,
        created_by=actor,
        created_at=now,
    )
    full_clean(training)
    not_future(requested_at, field="requested_at")
    with transaction.atomic():
        training.save()
        if not _plan_owed_on(request):
            record_clock_start(
                training, TRAINING_PLAN, started_at=requested_at, actor=actor, now=now
            )
        record_clock_start(
            training,
            TRAINING_DAY,
            started_at=requested_at,
            target_at=start_of(promised_on),
            actor=actor,
            now=now,
        )
    return training


def _plan_owed_on(request: Request | None) -> bool:
    """Whether the training's request already owes (or owed) the plan."""
    if request is None:
        return False
    return (
        Deadline.objects.of_subject(REQUEST_SUBJECT, request.pk)
        .filter(commitment_code=TRAINING_PLAN)
        .exclude(state=DeadlineState.CANCELLED)
        .exists()
    )


def training_update(training: Training, *, topic: str, actor=None) -> Training:
    training.topic = topic.strip()
    full_clean(training)
    training.save()
    return training


def _plan_owed_here(training: Training, summary: str) -> None:
    if not summary.strip():
        raise DeskError({"summary": [_("This field is required.")]})
    if training.request_id and record_clock(training, TRAINING_PLAN) is None:
        raise DeskError(
            {
                "summary": [
                    _("The plan is owed on the request %(code)s: communicate it there.")
                    % {"code": training.request.tracking_code}
                ]
            }
        )


def plan_messages(training: Training, *, summary: str, language: str = "ko") -> list:
    """The e-mail of the plan to the training's customer, in ``language`` (none without an
    e-mail address)."""
    language = "en" if language == "en" else "ko"
    return record_messages(
        "training-plan",
        addresses=customer_addresses(training.customer, ["email"]),
        language=language,
        context={
            "training": training,
            "customer": training.customer,
            "promised": date_words(training.promised_on, language),
            "plan": summary.strip(),
        },
    )


def training_plan_send(
    training: Training,
    *,
    summary: str,
    language: str = "ko",
    actor=None,
    now: datetime | None = None,
) -> list:
    """E-mail the plan to the customer through the outbox; the clock stops when the mail
    server has accepted it (met if by then within a business day of the request)."""
    now = now or timezone.now()
    _plan_owed_here(training, summary)
    messages = plan_messages(training, summary=summary, language=language)
    if not messages:
        raise DeskError(
            {
                "summary": [
                    _(
                        "The customer has no e-mail address: log the phone call that told"
                        " them the plan, or correct the contact."
                    )
                ]
            }
        )
    with transaction.atomic():
        sent = record_messages_send(
            training,
            TRAINING_PLAN,
            messages=messages,
            act="plan",
            cause=f"plan by e-mail: {summary.strip()}"[:200],
            field="summary",
        )
        training.planned_at = now
        training.save(update_fields=["planned_at"])
    return sent


def training_plan_told(training: Training, *, at: datetime, summary: str, actor=None) -> Training:
    """The plan was told to the customer on the phone at ``at`` (the promise names no
    channel: a call keeps it)."""
    not_future(at)
    _plan_owed_here(training, summary)
    with transaction.atomic():
        record_clock_stop(
            training,
            TRAINING_PLAN,
            at=at,
            cause=f"plan on the phone: {summary.strip()}"[:200],
            actor=actor,
        )
        training.planned_at = at
        training.save(update_fields=["planned_at"])
    return training


def training_reschedule(
    training: Training, *, promised_on: date, asked_by: str, reason: str, actor=None
) -> TrainingReschedule:
    """Move the promised day, recording who asked; the running clock counts to the new day."""
    now = timezone.now()
    if training.held_at is not None:
        raise DeskError({"promised_on": [_("The session has already been held.")]})
    if promised_on < local_date(now):
        raise DeskError({"promised_on": [_("The new day cannot be in the past.")]})
    change = TrainingReschedule(
        training=training,
        previous_on=training.promised_on,
        promised_on=promised_on,
        asked_by=asked_by,
        reason=reason.strip(),
        recorded_at=now,
        recorded_by=actor,
    )
    full_clean(change, exclude=["training"])
    with transaction.atomic():
        change.save()
        training.promised_on = promised_on
        training.save(update_fields=["promised_on"])
        clock = record_clock(training, TRAINING_DAY)
        if clock is not None and clock.is_open:
            try:
                deadline_recompute(
                    clock,
                    at=now,
                    reason=f"rescheduled, asked by {asked_by}: {change.reason}"[:200],
                    target_at=start_of(promised_on),
                    actor=actor,
                    cause_data={"asked_by": asked_by},
                )
            except ClockError as error:
                raise DeskError({"promised_on": [str(error)]}) from error
    return change


def training_held(training: Training, *, at: datetime, actor=None) -> Training:
    """The session was held at ``at``: on the promised day it keeps the promise."""
    not_future(at)
    clock = record_clock(training, TRAINING_DAY)
    # The promised day, or the last business day before it when it is closed (the clock's due).
    day = local_date(clock.due_at) if clock is not None else training.promised_on
    if local_date(at) < day:
        raise DeskError(
            {
                "at": [
                    _("The session was promised for %(day)s: record the new day first.")
                    % {"day": day.isoformat()}
                ]
            }
        )
    with transaction.atomic():
        record_clock_stop(training, TRAINING_DAY, at=at, cause="session held", actor=actor)
        training.held_at = at
        training.save(update_fields=["held_at"])
    return training
