"""Services that start, pause, resume, stop, cancel and recompute clocks.

Each function writes the clock row and its event together; callers run them inside their own
transaction (a request's status change and its clocks' pauses commit as one). Functions take
the instant of the act (``at``) explicitly, so back-dated entries and tests need no clock tricks.

``note`` and ``cause`` are plain words for the record; ``cause_data`` carries the subject app's
own codes for why (kept in the event's ``data["cause"]``), from which that app writes the words
in its reader's language. This app never reads them.
"""

import functools
import hashlib
import json
import logging
from datetime import datetime, timedelta

import holidays
from django.db import connection, transaction
from django.utils import timezone

from commitments import business_time as bt
from commitments import decisions
from commitments.bulk import rows_insert
from commitments.memo import catalogue_forget, catalogue_version, memory_register
from commitments.models import (
    Calendar,
    ClockTerms,
    Commitment,
    Deadline,
    DeadlineEvent,
    DeadlineState,
)
from commitments.models.deadline import EventKind
from commitments.stops import stop_params
from commitments.summaries import summaries_refresh_on_commit

logger = logging.getLogger(__name__)

DEFAULT_CALENDAR_CODE = "kr-public"


class ClockError(ValueError):
    """An act that does not fit the clock's state (stopping a cancelled clock, …)."""


def _on_locked_row(service):
    """Run a service on the clock's current row, locked until the transaction ends.

    Callers hold instances that may be stale (the sweep recorded a step since they read it);
    acting on a stale copy would save old state over new. So each service locks the row,
    reloads the instance from it, and only then checks and changes it."""

    @functools.wraps(service)
    def on_locked_row(deadline: Deadline, *args, **kwargs):
        with transaction.atomic():
            Deadline.objects.select_for_update().filter(pk=deadline.pk).exists()
            deadline.refresh_from_db()
            return service(deadline, *args, **kwargs)

    return on_locked_row


def commitment_params(commitment: Commitment) -> dict:
    """The commitment's parameters as frozen on a clock."""
    return {
        "kind": commitment.target_kind,
        "minutes": commitment.target_minutes,
        "days": commitment.target_days,
        "months": commitment.target_months,
        "reminder_percents": list(commitment.reminder_percents or []),
        "escalation_levels": commitment.escalation_levels,
        "escalation_2_after_minutes": commitment.escalation_2_after_minutes,
        "pause_on_waiting": commitment.pause_on_waiting,
        "urgent": commitment.urgent,
        **stop_params(commitment),
        "commitment_version": _latest_history_id(commitment),
    }


def clock_terms_for(
    *, commitment: Commitment, calendar: Calendar, instants: list[datetime | None]
) -> ClockTerms:
    """The frozen terms a clock of ``commitment`` on ``calendar`` is computed with, shared by
    every clock with the same terms. Holidays are copied for the years around the clock's
    instants (a year before the earliest to two after the latest), which covers its due
    instant, reminders and escalations; arithmetic beyond them asks the holiday source.

    Freezing reads the commitment's version, the calendar's hours and closures and the
    holidays of four years, then hashes them: the terms found are remembered per commitment,
    calendar and years (:func:`terms_cache_key`) once their row is committed, until the
    catalogue or a calendar changes."""
    years = [instant.year for instant in instants if instant is not None]
    key = terms_cache_key(commitment, calendar, min(years), max(years))
    if key is not None and (terms := _FROZEN_TERMS.get(key)) is not None:
        return terms
    # Not committed yet, but found earlier in this very transaction and savepoint (the sweep
    # starts the next cycle of hundreds of recurring clocks in one batch): the row is there
    # for them only, so the memo is keyed by the transaction's id and its open savepoints.
    pending = _transaction_id() if key is not None else None
    if pending is not None and (terms := _PENDING_TERMS.get((pending, key))) is not None:
        return terms
    params = commitment_params(commitment)
    snapshot = (
        calendar.to_work_calendar().with_frozen_holidays(min(years) - 1, max(years) + 2).to_dict()
    )
    payload = {
        "commitment": commitment.code,
        "calendar": calendar.code,
        "params": params,
        "snapshot": snapshot,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    terms, _created = ClockTerms.objects.get_or_create(
        digest=digest,
        defaults={
            "commitment_code": commitment.code,
            "calendar_code": calendar.code,
            "params": params,
            "calendar": snapshot,
        },
    )
    # Only a committed row is remembered: a rolled-back one must not be pointed at again.
    if key is not None:
        transaction.on_commit(functools.partial(_remember_terms, key, terms))
    if pending is not None:
        if len(_PENDING_TERMS) >= 1024:
            _PENDING_TERMS.clear()
        _PENDING_TERMS[(pending, key)] = terms
    return terms


def _transaction_id() -> tuple | None:
    """PostgreSQL's id of the transaction under way with its open savepoints (``None``
    outside a transaction, or on another database). A savepoint rolled back is never open
    again under the same name, so what was found inside it is never looked up again."""
    if not connection.in_atomic_block or connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        return (cursor.fetchone()[0], *connection.savepoint_ids)


#: What changes frozen terms (the catalogue, calendars, their hours and closures) bumps the
#: catalogue's version in the shared cache (:func:`forget_frozen_terms`), so every process
#: drops its terms (:mod:`commitments.memo`).
_FROZEN_TERMS: dict[tuple, ClockTerms] = {}
_PENDING_TERMS: dict[tuple, ClockTerms] = {}
memory_register(_FROZEN_TERMS)
memory_register(_PENDING_TERMS)


def terms_cache_key(
    commitment: Commitment, calendar: Calendar, first: int, last: int
) -> tuple | None:
    """The remembered terms' key, or None while the shared cache cannot be read (Redis down):
    the terms are then frozen afresh, never taken from a memory another process may have
    been told to drop."""
    version = catalogue_version()
    if version is None:
        return None
    return (commitment.pk, calendar.pk, first, last, version, holidays.__version__)


def _remember_terms(key: tuple, terms: ClockTerms) -> None:
    if len(_FROZEN_TERMS) >= 1024:
        _FROZEN_TERMS.clear()
    _FROZEN_TERMS[key] = terms


#: The catalogue or a calendar changed: clocks started from now on freeze their terms again
#: (in every process: the version is in the shared cache).
forget_frozen_terms = catalogue_forget


def calendar_for(*, commitment: Commitment, division=None) -> Calendar:
    """The calendar of the division the case belongs to; for company-wide commitments with no
    division given, the public (KR) calendar (SPEC §3)."""
    division = division or commitment.division
    if division is not None:
        return division.calendar
    calendar = Calendar.objects.filter(code=DEFAULT_CALENDAR_CODE).first()
    if calendar is None:
        calendar = Calendar.objects.filter(holiday_source="KR").order_by("pk").first()
    if calendar is None:
        raise ClockError("no public (KR) calendar exists; run seed_charter")
    return calendar


def deadline_start(*, actor=None, **clock) -> Deadline:
    """Start the clock ``commitment`` owes on a subject (``clock``: the keyword arguments of
    :func:`deadline_prepare`).

    A clock whose due instant has already passed (a back-dated request, a suspension planned
    with too little lead time) starts anyway: its breach is due at once and the sweep records it.
    """
    return deadlines_start([deadline_prepare(**clock)], actor=actor)[0]


def deadline_prepare(
    *,
    commitment: Commitment,
    subject_type: str,
    subject_id,
    started_at: datetime,
    subject_label: str = "",
    target_at: datetime | None = None,
    division=None,
    team=None,
    service=None,
    owner=None,
    now: datetime | None = None,
    previous: Deadline | None = None,
) -> Deadline:
    """The clock ``commitment`` owes on a subject, checked, with its due instant and next
    action, not yet saved: :func:`deadlines_start` saves clocks prepared together."""
    if not commitment.starts_clock:
        raise ClockError(f"{commitment.code} is a rule and starts no clock")
    if not commitment.active:
        raise ClockError(f"{commitment.code} is not active")
    _require_aware(started_at, "started_at")
    if target_at is not None:
        _require_aware(target_at, "target_at")
    for name, instant in (("started_at", started_at), ("target_at", target_at)):
        if instant is not None and instant.year not in bt.SUPPORTED_YEARS:
            raise ClockError(f"{name} {instant:%Y-%m-%d} is outside the years calendars know")
    now = now or timezone.now()
    division = division or commitment.division
    terms = clock_terms_for(
        commitment=commitment,
        calendar=calendar_for(commitment=commitment, division=division),
        instants=[started_at, target_at],
    )
    due = decisions.compute_due(
        terms.params, terms.work_calendar, start=started_at, target=target_at
    )
    deadline = Deadline(
        commitment=commitment,
        commitment_code=commitment.code,
        terms=terms,
        subject_type=subject_type,
        subject_id=str(subject_id),
        subject_label=subject_label[:300],
        owner=owner,
        team=team,
        division=division,
        service=service or commitment.service,
        cycle=previous.cycle + 1 if previous else 1,
        previous=previous,
        created_at=now,
        started_at=started_at,
        target_at=target_at,
        due_at=due,
    )
    deadline.next_action_at = decisions.next_action_at(deadline)
    return deadline


def deadlines_start(clocks: list[Deadline], *, actor=None) -> list[Deadline]:
    """Save clocks of :func:`deadline_prepare` and their "started" events: one INSERT for
    the clocks and one for the events, however many (:func:`rows_insert`: a public complaint
    starts two clocks, and Django's ``bulk_create`` cost more than the rest of their start)."""
    for clock in clocks:
        clock.updated_at = clock.created_at  # rows_insert runs no auto_now
    # No savepoint of its own: a failed write fails the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        rows_insert(Deadline, clocks)
        rows_insert(
            DeadlineEvent,
            [
                _new_event(
                    clock,
                    EventKind.STARTED,
                    at=clock.started_at,
                    actor=actor,
                    data={"due_at": clock.due_at},
                )
                for clock in clocks
            ],
        )
    return clocks


@_on_locked_row
def deadline_pause(
    deadline: Deadline, *, at: datetime, actor=None, note: str = "", cause_data: dict | None = None
) -> Deadline:
    """Stop counting while the case waits on the customer (only if the commitment allows it)."""
    _require_aware(at, "at")
    if deadline.state != DeadlineState.RUNNING:
        raise ClockError(f"a {deadline.state} clock cannot be paused")
    if not deadline.params.get("pause_on_waiting"):
        raise ClockError(f"{deadline.commitment_code} does not pause while waiting")
    if at < deadline.started_at:
        raise ClockError("a clock cannot pause before it started")
    if at > deadline.due_at:
        # The sweep may not have recorded the breach yet; a pause now would move due on past
        # it and the breach (and its escalations) would be recorded late or never.
        raise ClockError(f"clock {deadline.pk} was due at {deadline.due_at:%Y-%m-%d %H:%M %Z}")
    last_resumed = (
        deadline.events.filter(kind=EventKind.RESUMED).order_by("-at").values_list("at", flat=True)
    ).first()
    if last_resumed is not None and at < last_resumed:
        # A back-dated pause reaching into time already paused would count that time twice.
        raise ClockError(f"clock {deadline.pk} was counting again from {last_resumed:%H:%M %Z}")
    deadline.state = DeadlineState.PAUSED
    deadline.paused_at = at
    deadline.next_action_at = None
    with transaction.atomic():
        deadline.save()
        _event(
            deadline, EventKind.PAUSED, at=at, actor=actor, note=note, data=_cause({}, cause_data)
        )
    return deadline


@_on_locked_row
def deadline_resume(
    deadline: Deadline, *, at: datetime, actor=None, note: str = "", cause_data: dict | None = None
) -> Deadline:
    """Count again; the due instant moves on by the paused span in the clock's own time."""
    _require_aware(at, "at")
    if deadline.state != DeadlineState.PAUSED:
        raise ClockError(f"a {deadline.state} clock cannot be resumed")
    if at < deadline.paused_at:
        raise ClockError("a clock cannot resume before it was paused")
    calendar = deadline.work_calendar
    paused = decisions.span_between(deadline.params, calendar, deadline.paused_at, at)
    old_due = deadline.due_at
    deadline.paused_total += paused
    deadline.due_at = decisions.advance(deadline.params, calendar, old_due, paused)
    deadline.paused_at = None
    deadline.state = DeadlineState.RUNNING
    deadline.next_action_at = decisions.next_action_at(deadline)
    with transaction.atomic():
        deadline.save()
        _event(
            deadline,
            EventKind.RESUMED,
            at=at,
            actor=actor,
            note=note,
            data=_cause(
                {"paused": paused, "old_due_at": old_due, "due_at": deadline.due_at}, cause_data
            ),
        )
    return deadline


@_on_locked_row
def deadline_stop(
    deadline: Deadline,
    *,
    at: datetime,
    cause: str,
    actor=None,
    continue_series: bool = True,
    now: datetime | None = None,
    cause_data: dict | None = None,
) -> Deadline:
    """What the clock waited for happened at ``at``: met if at or before due, else breached
    — and breached as well when the sweep already recorded the breach (a back-dated entry).

    A recurring clock (``every``) then starts its next cycle from ``at`` unless the subject is
    closing (``continue_series=False``) or the sweep already started it at the breach."""
    _require_aware(at, "at")
    if deadline.stopped_at is not None or deadline.state == DeadlineState.CANCELLED:
        raise ClockError(f"a {deadline.state} clock cannot be stopped again")
    if at < deadline.started_at:
        raise ClockError("a clock cannot stop before it started")
    with transaction.atomic():
        if deadline.state == DeadlineState.PAUSED:
            deadline_resume(deadline, at=at, actor=actor, note=cause, cause_data=cause_data)
        # A breach the sweep recorded stands even when the act is logged back-dated to before
        # due: the escalations went out on it, and history is not rewritten.
        told_in_time = at <= deadline.due_at
        met = told_in_time and "breach" not in deadline.steps_done
        if not met and "breach" not in deadline.steps_done:
            # Stopped late before the sweep got to it: the breach still belongs at the due
            # instant in the clock's history (escalations are no longer owed once it stops).
            deadline.steps_done = [*deadline.steps_done, "breach"]
            _event(deadline, EventKind.BREACHED, at=deadline.due_at, step_key="breach")
        deadline.stopped_at = at
        deadline.stop_cause = cause[:200]
        kind = EventKind.MET if met else EventKind.STOPPED_LATE
        deadline.state = DeadlineState.MET if met else DeadlineState.BREACHED
        deadline.next_action_at = None
        deadline.save()
        data = {"due_at": deadline.due_at}
        if told_in_time and not met:
            data["logged_after_breach"] = True
        _event(deadline, kind, at=at, actor=actor, note=cause, data=_cause(data, cause_data))
        # The subject's own summary too: it no longer owes this clock (its next cycle, started
        # below, is read by the same refresh).
        summaries_refresh_on_commit([deadline.pk], subjects=[_subject(deadline)])
        if (
            deadline.kind == "every"
            and continue_series
            and not Deadline.objects.filter(previous=deadline).exists()
        ):
            deadline_next_cycle(deadline, start=at, now=now)
    return deadline


def deadline_next_cycle(
    deadline: Deadline, *, start: datetime, now: datetime | None = None
) -> Deadline:
    """The next cycle of a recurring clock, started at ``start`` and recorded at ``now``."""
    return deadline_start(
        commitment=deadline.commitment,
        subject_type=deadline.subject_type,
        subject_id=deadline.subject_id,
        subject_label=deadline.subject_label,
        started_at=start,
        division=deadline.division,
        team=deadline.team,
        service=deadline.service,
        owner=deadline.owner,
        now=now,
        previous=deadline,
    )


@_on_locked_row
def deadline_cancel(
    deadline: Deadline, *, at: datetime, cause: str, actor=None, cause_data: dict | None = None
) -> Deadline:
    """The clock is no longer owed (the request was withdrawn, the plan cancelled).

    A clock already breached keeps its state (that is history) but stops escalating."""
    _require_aware(at, "at")
    breached_open = deadline.state == DeadlineState.BREACHED and deadline.stopped_at is None
    if not (deadline.is_open or breached_open):
        raise ClockError(f"a {deadline.state} clock cannot be cancelled")
    if not breached_open:
        deadline.state = DeadlineState.CANCELLED
    deadline.stopped_at = at
    deadline.stop_cause = cause[:200]
    deadline.next_action_at = None
    with transaction.atomic():
        deadline.save()
        _event(
            deadline,
            EventKind.CANCELLED,
            at=at,
            actor=actor,
            note=cause,
            data=_cause({}, cause_data),
        )
        summaries_refresh_on_commit([deadline.pk], subjects=[_subject(deadline)])
    return deadline


@_on_locked_row
def deadline_recompute(
    deadline: Deadline,
    *,
    at: datetime,
    reason: str,
    commitment: Commitment | None = None,
    division=None,
    target_at: datetime | None = None,
    refresh: bool = True,
    actor=None,
    cause_data: dict | None = None,
) -> Deadline:
    """Compute an open clock's due instant again (the case changed kind, division or target).

    Paused time is kept: the new due instant is the new plan from the original start, moved on
    by everything already paused. Met, breached and cancelled clocks are never rewritten."""
    _require_aware(at, "at")
    if not deadline.is_open:
        raise ClockError(f"a {deadline.state} clock is history and is not recomputed")
    if commitment is not None:
        deadline.commitment = commitment
        deadline.commitment_code = commitment.code
    if division is not None:
        deadline.division = division
    if target_at is not None:
        _require_aware(target_at, "target_at")
        deadline.target_at = target_at
    # A clock moved to another commitment or division cannot keep the old terms; otherwise
    # the frozen ones stay unless a refresh is asked for.
    if refresh or commitment is not None or division is not None:
        deadline.terms = clock_terms_for(
            commitment=deadline.commitment,
            calendar=calendar_for(commitment=deadline.commitment, division=deadline.division),
            instants=[deadline.started_at, deadline.target_at],
        )
    work_calendar = deadline.work_calendar
    old_due = deadline.due_at
    due = decisions.compute_due(
        deadline.params, work_calendar, start=deadline.started_at, target=deadline.target_at
    )
    deadline.due_at = decisions.advance(deadline.params, work_calendar, due, deadline.paused_total)
    if deadline.state == DeadlineState.RUNNING:
        deadline.next_action_at = decisions.next_action_at(deadline)
    with transaction.atomic():
        deadline.save()
        _event(
            deadline,
            EventKind.RECOMPUTED,
            at=at,
            actor=actor,
            note=reason,
            data=_cause({"old_due_at": old_due, "due_at": deadline.due_at}, cause_data),
        )
    return deadline


def deadline_apply_step(
    deadline: Deadline,
    step: decisions.Step,
    *,
    now: datetime,
    data: dict | None = None,
    planned: list[decisions.Step] | None = None,
) -> DeadlineEvent:
    """Take ``step`` on the instance, in memory (:func:`deadline_take_step`); returns the
    step's event, unsaved."""
    return DeadlineEvent(
        deadline=deadline,
        **deadline_take_step(deadline, step, now=now, data=data, planned=planned),
    )


def deadline_take_step(
    deadline: Deadline,
    step: decisions.Step,
    *,
    now: datetime,
    data: dict | None = None,
    planned: list[decisions.Step] | None = None,
) -> dict:
    """Take ``step`` on the instance, in memory: what recording a step means, in one place.

    Checks that the clock still owes the step, marks it done, breaches a running clock at its
    breach and moves ``next_action_at`` on; returns the step's event as column values (kind,
    step_key, at, data), for the caller to write. The caller holds the row lock and saves
    both (:func:`deadline_record_step` one clock at a time, the sweep a whole batch at once,
    from plain values: no model instance per event). A recurring clock's breach also starts
    its next cycle: that is the caller's to do, with :func:`deadline_next_cycle`, once the
    breach is saved.

    ``planned``: the clock's :func:`commitments.decisions.planned_steps` when the caller has it
    (see :func:`commitments.decisions.pending_steps`); computed here otherwise."""
    _require_aware(now, "now")
    if step.key in deadline.steps_done:
        raise ClockError(f"{step.key} was already recorded on clock {deadline.pk}")
    if planned is None:
        planned = decisions.planned_steps(deadline)
    if step.key not in {owed.key for owed in decisions.pending_steps(deadline, planned=planned)}:
        # A stale decision: the clock was stopped, paused or cancelled since it was read.
        raise ClockError(f"a {deadline.state} clock {deadline.pk} does not owe {step.key}")
    kind = _STEP_EVENTS[step.kind]
    deadline.steps_done = [*deadline.steps_done, step.key]
    if step.kind == "breach" and deadline.state == DeadlineState.RUNNING:
        deadline.state = DeadlineState.BREACHED
    deadline.next_action_at = decisions.next_action_at(deadline, planned=planned)
    # The breach is recorded at the due instant, not when the sweep got round to it.
    return {
        "kind": kind,
        "at": step.at,
        "step_key": step.key,
        "data": _jsonable({"swept_at": now, **(data or {})}),
    }


_STEP_EVENTS = {
    "reminder": EventKind.REMINDER,
    "breach": EventKind.BREACHED,
    "escalation": EventKind.ESCALATED,
}


def starts_next_cycle(deadline: Deadline, step: decisions.Step) -> bool:
    """Whether recording ``step`` starts the clock's next cycle (a recurring clock's breach)."""
    return step.kind == "breach" and deadline.kind == "every"


#: The fields :func:`deadline_take_step` changes (``updated_at`` is set on save).
STEP_FIELDS = ("steps_done", "state", "next_action_at", "updated_at")


@_on_locked_row
def deadline_record_step(
    deadline: Deadline, step: decisions.Step, *, now: datetime, data: dict | None = None
) -> DeadlineEvent:
    """Record that the sweep took ``step``: the event (unique per clock and step), the state
    change of a breach, and the clock's next action (:func:`deadline_apply_step`), saved."""
    event = deadline_apply_step(deadline, step, now=now, data=data)
    with transaction.atomic():
        deadline.save(update_fields=list(STEP_FIELDS))
        event.save()
        if step.kind == "breach":
            summaries_refresh_on_commit([deadline.pk])
        if starts_next_cycle(deadline, step):
            deadline_next_cycle(deadline, start=deadline.due_at, now=now)
    return event


def deadline_explain(deadline: Deadline) -> dict:
    """Why the clock is due when it is: the non-working time skipped, and the pauses."""
    calendar = deadline.work_calendar
    span = decisions.explained_span(
        deadline.params,
        calendar,
        start=deadline.started_at,
        due=deadline.due_at,
        target=deadline.target_at,
    )
    skipped = bt.explain(calendar, *span) if span else []
    pauses = [
        {"kind": e.kind, "at": e.at, "data": e.data}
        for e in deadline.events.filter(kind__in=[EventKind.PAUSED, EventKind.RESUMED])
    ]
    return {
        "started_at": deadline.started_at,
        "due_at": deadline.due_at,
        "calendar": deadline.calendar_code,
        "params": deadline.params,
        "paused_total": deadline.paused_total,
        "skipped": skipped,
        "pauses": pauses,
    }


def _event(deadline: Deadline, kind: str, *, at: datetime, **fields) -> DeadlineEvent:
    event = _new_event(deadline, kind, at=at, **fields)
    event.save(force_insert=True)
    return event


def _new_event(deadline: Deadline, kind: str, *, at: datetime, **fields) -> DeadlineEvent:
    data = fields.pop("data", None) or {}
    return DeadlineEvent(deadline=deadline, kind=kind, at=at, data=_jsonable(data), **fields)


def _subject(deadline: Deadline) -> tuple[str, str]:
    return (deadline.subject_type, deadline.subject_id)


def _cause(data: dict, cause_data: dict | None) -> dict:
    return {**data, "cause": cause_data} if cause_data else data


def _jsonable(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, timedelta):
            value = value.total_seconds()
        out[key] = value
    return out


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone offset")


def _latest_history_id(commitment: Commitment) -> int | None:
    if commitment.pk is None:
        return None
    latest = commitment.history.order_by("-history_id").values_list("history_id", flat=True)
    return latest.first()
