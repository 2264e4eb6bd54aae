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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from commitments import business_time as bt
from commitments import decisions
from commitments.bulk import rows_update, values_insert
from commitments.deadlines import (
    STEP_FIELDS,
    deadline_next_cycle,
    deadline_take_step,
    starts_next_cycle,
)
from commitments.models import (
    ClockTerms,
    Commitment,
    Contact,
    Deadline,
    DeadlineEvent,
    Division,
    Service,
    Team,
)
from commitments.models.deadline import EventKind
from commitments.summaries import summaries_refresh_on_commit
from notifications import clock, messages, recipients
from notifications.models import WorkerHeartbeat
from notifications.outbox import notification_values, notifications_write

logger = logging.getLogger(__name__)

#: How long a clock that crashed the sweep waits before it is tried again.
RETRY_AFTER_ERROR = timedelta(minutes=5)
#: One sweep claims at most this many batches; the next tick picks up the rest.
MAX_BATCHES = 200
#: More steps than any plan holds (two reminders, breach, two escalations): a guard, not a rule.
MAX_STEPS_PER_CLOCK = 12
HEARTBEAT_NAME = "sweep"
IMMEDIATE_KINDS = frozenset({"elapsed"})
#: The clock's fields a sweep writes.
WRITTEN_FIELDS = (*STEP_FIELDS, "last_error")


@dataclass
class SweepResult:
    clocks_claimed: int = 0
    steps_recorded: int = 0
    notifications_written: int = 0
    errors: int = 0
    error_clocks: list[int] = field(default_factory=list)
    #: Batches whose write failed and were written again clock by clock (expected: 0).
    batches_redone: int = 0


@dataclass
class _Plan:
    """What one claimed clock owes, taken in memory and not yet written: its steps, or, if it
    failed, its error and the retry (:func:`_fail`). Events and outbox rows are column values
    (``{attname: value}``, every event with the same keys), not model instances: building
    20,000 instances cost more than a third of a 10,000-due sweep."""

    deadline: Deadline
    loaded: dict  # WRITTEN_FIELDS as loaded: what a failed clock keeps
    steps: int = 0
    events: list[dict] = field(default_factory=list)
    notifications: list[dict] = field(default_factory=list)
    next_cycle: bool = False  # a recurring clock's breach starts its next cycle
    error: Exception | None = None


def sweep(
    *,
    now: datetime | None = None,
    batch_size: int = 500,
    on_backlog: Callable[[], object] | None = None,
) -> SweepResult:
    """Record every step due at ``now`` and write its messages to the outbox.

    1. Take "now" from :func:`notifications.clock.now` (the database's clock) unless given.
    2. In one short transaction, claim up to ``batch_size`` clocks whose
       ``next_action_at`` has come, oldest first, ``FOR UPDATE SKIP LOCKED``: a second sweeper
       running at the same time claims other rows, never these. Nothing claimed: stop at once
       (an idle sweep is this one cheap statement and the heartbeat). The statement returns
       the clocks' rows; load the directory their steps need.
    3. For each clock, in memory (:func:`_plan_clock`), ask
       :func:`commitments.decisions.decide` for the step due and take it
       (:func:`commitments.deadlines.deadline_apply_step`) with its messages, again and again
       until nothing more is due: a clock born past due owes its breach and escalation at
       once. A reminder overtaken by its breach is recorded without messages. A clock owing
       nothing had a stale ``next_action_at``: it is recomputed.
    4. A clock that raises while deciding is planned to be tried again instead
       (:func:`_fail`): its next action moves :data:`RETRY_AFTER_ERROR` on, ``last_error``
       says why, an error event records it; the other clocks of the batch go on.
    5. Write the batch with a handful of statements whatever its size, inside a savepoint
       (:func:`_write`): every clock row in one UPDATE, every event (errors included) in one
       INSERT, every outbox row in one INSERT (rows due now queued for delivery on commit);
       then the rare next cycle of a recurring clock. The event's unique step key and each
       message's idempotency key make a repeat impossible even if a lock were lost.
    6. If that write raises (a bug: we hold the row locks), roll back to the savepoint, plan
       the batch again from its rows and write it one clock at a time, each a batch of one
       in its own savepoint, keeping outbox rows already written under the same key. A clock
       whose write still fails gets its error written instead (step 4), so one bad clock
       cannot block the others.
    7. Commit the batch; repeat while batches come back full (at most :data:`MAX_BATCHES`).
       If the first batch came back full, call ``on_backlog`` once, after its commit: the
       Celery task asks other processes to sweep beside it (they claim other clocks, step 2).
       This sweep goes on all the same until nothing is due, so if no one answers, it
       finishes the backlog alone.
    8. Record the sweep's heartbeat (shown by ``/healthz``).
    """
    now = now or clock.now()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("sweep(now=…) needs a time zone offset")
    result = SweepResult()
    superusers = recipients.superusers_loader()
    for _batch in range(MAX_BATCHES):
        with transaction.atomic():
            claimed = _claim(now=now, limit=batch_size)
            if claimed:
                _sweep_batch(claimed, now=now, result=result, superusers=superusers)
        result.clocks_claimed += len(claimed)
        if len(claimed) < batch_size:
            break
        if _batch == 0 and on_backlog is not None:
            on_backlog()
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


def _claim(*, now: datetime, limit: int) -> list[Deadline]:
    """Lock and return up to ``limit`` due clocks, oldest first.

    The clocks' own rows only, read by the statement that locks them (no second query for
    them): the statement runs on every tick, and joining the directory here made PostgreSQL
    spend ~30 ms planning a 15-table join even when nothing was due."""
    return list(
        Deadline.objects.filter(next_action_at__lte=now)
        .order_by("next_action_at", "pk")
        .select_for_update(skip_locked=True)[:limit]
    )


def _reload(deadlines: list[Deadline]) -> list[Deadline]:
    """The claimed clocks read again as they are in the table, in the claim's order (already
    locked by this transaction)."""
    return list(
        Deadline.objects.filter(pk__in=[deadline.pk for deadline in deadlines]).order_by(
            "next_action_at", "pk"
        )
    )


def _load(deadlines: list[Deadline]) -> list[Deadline]:
    """The claimed clocks with everything their steps read (no further query per clock).

    The directory is loaded once per batch, one query per table (terms, commitments, teams,
    divisions, people with their profiles, services with their on-call contacts), and every
    clock points at the same instance of each row: a ``select_related`` join built a copy of
    each for every clock (16 model instances, and the frozen calendar decoded, per clock)."""
    _attach(deadlines, "terms", ClockTerms.objects.all())
    _attach(deadlines, "commitment", Commitment.objects.all())
    teams = _attach(deadlines, "team", Team.objects.all())
    divisions = _attach([*deadlines, *teams], "division", Division.objects.all())
    people = get_user_model().objects.select_related("staff_profile")
    _attach([*deadlines, *teams, *divisions], ("owner", "manager", "head"), people)
    on_call = Prefetch(
        "contacts",
        queryset=Contact.objects.filter(on_call=True).select_related("user__staff_profile"),
    )
    _attach(deadlines, "service", Service.objects.prefetch_related(on_call))
    return deadlines


def _attach(instances: list, names: str | tuple[str, ...], queryset) -> list:
    """Load the rows the foreign keys ``names`` of ``instances`` point at, with one query, and
    cache one shared instance of each on every instance that points at it (or None: a null
    key, as ``select_related`` would). Instances without such a field are skipped; returns the
    rows loaded."""
    names = (names,) if isinstance(names, str) else names
    fields_of: dict[type, list] = {}  # each model's fields among ``names``, looked up once
    links = []  # (instance, foreign key, its value)
    for instance in instances:
        fields = fields_of.get(type(instance))
        if fields is None:
            fields = fields_of[type(instance)] = _fields(type(instance), names)
        links += [(instance, fk, getattr(instance, fk.attname)) for fk in fields]
    keys = {key for _instance, _fk, key in links if key is not None}
    rows = queryset.in_bulk(keys) if keys else {}
    for instance, fk, key in links:
        fk.set_cached_value(instance, None if key is None else rows.get(key))
    return list(rows.values())


def _fields(model: type, names: tuple[str, ...]) -> list:
    fields = []
    for name in names:
        try:
            fields.append(model._meta.get_field(name))
        except FieldDoesNotExist:
            continue
    return fields


def _sweep_batch(
    claimed: list[Deadline], *, now: datetime, result: SweepResult, superusers
) -> None:
    plans = _plan_batch(_load(claimed), now=now, superusers=superusers)
    try:
        with transaction.atomic():
            _write(plans, now=now)
        written = True
    except Exception:
        logger.exception("sweep: the batch write failed; writing its clocks one by one")
        written = False
    if not written:  # out of the handler, so a clock's own error is not chained to the batch's
        result.batches_redone += 1
        # The instances carry steps taken in memory and never saved: start from the rows.
        plans = _plan_batch(_load(_reload(claimed)), now=now, superusers=superusers)
        for plan in plans:
            _write_alone(plan, now=now)
    for plan in plans:
        if plan.error is not None:
            logger.error("sweep: clock %s failed", plan.deadline.pk, exc_info=plan.error)
            result.errors += 1
            result.error_clocks.append(plan.deadline.pk)
        result.steps_recorded += plan.steps
        result.notifications_written += len(plan.notifications)


def _plan_batch(deadlines: list[Deadline], *, now: datetime, superusers) -> list[_Plan]:
    renderer = messages.StepRenderer()  # each kind of message rendered once per batch
    audiences: dict[tuple, recipients.Audience] = {}  # each audience found once per batch
    # One instant for the batch, written with it: one value for the column, not one per row.
    written_at = timezone.now()
    return [
        _plan_clock(
            deadline,
            now=now,
            superusers=superusers,
            renderer=renderer,
            audiences=audiences,
            written_at=written_at,
        )
        for deadline in deadlines
    ]


def _plan_clock(
    deadline: Deadline,
    *,
    now: datetime,
    superusers,
    renderer,
    audiences: dict,
    written_at: datetime,
) -> _Plan:
    """Take every step ``deadline`` owes at ``now`` on the instance, in memory. If anything
    goes wrong, plan its error instead (:func:`_fail`): one clock's fault must never stop the
    others. ``written_at``: the clock's ``updated_at``."""
    plan = _Plan(
        deadline=deadline, loaded={name: getattr(deadline, name) for name in WRITTEN_FIELDS}
    )
    step: decisions.Step | None = None
    try:
        # Once per clock: taking a step changes nothing the plan depends on.
        planned = decisions.planned_steps(deadline)
        while True:
            step = None  # so an error while deciding is not blamed on the last step
            step = decisions.decide(deadline, now=now, planned=planned)
            if step is None:
                break
            if plan.steps >= MAX_STEPS_PER_CLOCK:
                raise RuntimeError(f"clock {deadline.pk} owes more steps than any plan holds")
            event, rows = _take_step(
                deadline,
                step,
                now=now,
                superusers=superusers,
                renderer=renderer,
                audiences=audiences,
                planned=planned,
            )
            plan.events.append(event)
            plan.notifications += rows
            plan.next_cycle = plan.next_cycle or starts_next_cycle(deadline, step)
            plan.steps += 1
        if plan.steps == 0:
            _repair(deadline, now=now, planned=planned)
    except Exception as exc:
        _fail(plan, exc, step_key=step.key if step else None, now=now, written_at=written_at)
        return plan
    # It went through this time: the error shown on the clock is history.
    deadline.last_error = ""
    deadline.updated_at = written_at
    return plan


def _fail(
    plan: _Plan,
    exc: Exception,
    *,
    step_key: str | None,
    now: datetime,
    written_at: datetime | None = None,
) -> None:
    """Make ``plan`` its clock's error: the fields as loaded, but tried again
    :data:`RETRY_AFTER_ERROR` on, ``last_error`` saying why and an error event; no steps."""
    deadline = plan.deadline
    reason = f"{exc.__class__.__name__}: {exc}"[:2000]
    retry_at = now + RETRY_AFTER_ERROR
    for name, value in plan.loaded.items():
        setattr(deadline, name, value)
    deadline.next_action_at, deadline.last_error = retry_at, reason
    deadline.updated_at = written_at or timezone.now()
    plan.steps, plan.notifications, plan.next_cycle, plan.error = 0, [], False, exc
    plan.events = [
        _event_row(
            deadline,
            {
                "kind": EventKind.ERROR,
                "at": now,
                "step_key": None,
                "data": {"step": step_key, "retry_at": retry_at.isoformat()},
            },
            note=reason,
        )
    ]


def _event_row(deadline: Deadline, values: dict, *, note: str = "") -> dict:
    """An event of ``deadline`` as the columns :func:`_write` inserts (the same for all)."""
    return {"deadline_id": deadline.pk, "note": note, **values}


def _write(plans: list[_Plan], *, now: datetime, keep_written: bool = False) -> None:
    """Write what :func:`_plan_clock` took: a fixed handful of statements for any batch.
    ``keep_written``: leave out outbox rows already written (see
    :func:`notifications.outbox.notifications_write`)."""
    if not plans:
        return
    rows_update(Deadline, [plan.deadline for plan in plans], fields=WRITTEN_FIELDS)
    values_insert(DeadlineEvent, [event for plan in plans for event in plan.events])
    notifications_write(
        [row for plan in plans for row in plan.notifications], keep_written=keep_written
    )
    # The report summary counts breaches: one refresh for the whole batch, after it commits.
    summaries_refresh_on_commit(
        plan.deadline.pk
        for plan in plans
        if any(event["kind"] == EventKind.BREACHED for event in plan.events)
    )
    for plan in plans:
        if plan.next_cycle:  # rare: one recurring clock's breach
            deadline_next_cycle(plan.deadline, start=plan.deadline.due_at, now=now)


def _write_alone(plan: _Plan, *, now: datetime) -> None:
    """Write one clock's plan as a batch of one, in its own savepoint; if that fails too,
    write its error instead."""
    first_step = plan.events[0]["step_key"] if plan.events else None
    try:
        with transaction.atomic():
            _write([plan], now=now, keep_written=True)
    except Exception as exc:
        _fail(plan, exc, step_key=first_step, now=now)
        _write([plan], now=now)


def _take_step(
    deadline: Deadline,
    step: decisions.Step,
    *,
    now: datetime,
    superusers,
    renderer: messages.StepRenderer,
    audiences: dict,
    planned: list[decisions.Step],
) -> tuple[dict, list[dict]]:
    """Take ``step`` on the instance in memory: its event and outbox rows, as column values.
    ``planned``: the clock's plan (see :func:`_plan_clock`); ``audiences``: the batch's
    audiences found so far (see :func:`_audience`)."""
    if decisions.is_overtaken(deadline, step, now=now):
        # The sweep was down past due: a reminder about a deadline already missed is noise,
        # the breach that follows in this same sweep says it all.
        values = deadline_take_step(
            deadline, step, now=now, data={"overtaken": True}, planned=planned
        )
        return _event_row(deadline, values), []
    name = notification_step(step)
    urgent = bool(deadline.params.get("urgent"))
    audience = _audience(
        deadline, step=name, now=now, urgent=urgent, superusers=superusers, audiences=audiences
    )
    # The rows themselves say to whom.
    data = {"messages": len(audience.recipients)}
    if audience.gaps:
        data["gaps"] = audience.gaps
    values = deadline_take_step(deadline, step, now=now, data=data, planned=planned)
    event = _event_row(deadline, values, note="; ".join(audience.notes))
    staff_send_after = send_after_for(deadline=deadline, now=now)
    # SMS first: an urgent clock's text messages are the ones that must not wait (the rows
    # are inserted in this order, and delivery takes rows oldest first).
    ordered = sorted(audience.recipients, key=lambda r: r.channel != "sms")
    rendered: dict[str, tuple[messages.Message, str]] = {}  # one rendering per language
    rows = [
        _row(
            deadline,
            step,
            name=name,
            recipient=recipient,
            rendered=rendered,
            renderer=renderer,
            send_after=now
            if recipient.on_call or (urgent and recipient.channel == "sms")
            else staff_send_after,
        )
        for recipient in ordered
    ]
    return event, rows


def _audience(
    deadline: Deadline, *, step: str, now: datetime, urgent: bool, superusers, audiences: dict
) -> recipients.Audience:
    """:func:`notifications.recipients.step_recipients`, found once per batch for each
    (step, urgency, owner, team, division, service, terms): every clock of a batch points at
    the same directory rows (:func:`_load`), and the audience depends on nothing else of the
    clock but its calendar (its terms) and ``now``. Read only, never changed."""
    key = (
        step,
        urgent,
        deadline.owner_id,
        deadline.team_id,
        deadline.division_id,
        deadline.service_id,
        deadline.terms_id,
    )
    audience = audiences.get(key)
    if audience is None:
        audience = audiences[key] = recipients.step_recipients(
            deadline=deadline, step=step, at=now, urgent=urgent, superusers=superusers
        )
    return audience


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


def _row(
    deadline: Deadline,
    step: decisions.Step,
    *,
    name: str,
    recipient: recipients.Recipient,
    send_after: datetime,
    rendered: dict[str, tuple[messages.Message, str]],
    renderer: messages.StepRenderer,
) -> dict:
    """One message of ``step``, rendered (once per language: ``rendered`` keeps them), as an
    outbox row's column values."""
    if recipient.language not in rendered:
        try:
            message = renderer.message(
                deadline=deadline,
                step=name,
                step_at=step.at,
                language=recipient.language,
                percent=step.percent,
            )
            rendered[recipient.language] = (message, "")
        except messages.RenderError as exc:
            # Written all the same, failed, so admins see that a message was owed and why not.
            rendered[recipient.language] = (
                messages.fallback_message(deadline=deadline, step=name),
                f"message could not be rendered: {exc}",
            )
    message, error = rendered[recipient.language]
    return notification_values(
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
        error=error,
    )


def _repair(deadline: Deadline, *, now: datetime, planned: list[decisions.Step]) -> None:
    """A claimed clock that owes nothing now had a stale ``next_action_at``; recompute it (on
    the instance: the caller writes it) so the sweep does not claim it again and again."""
    next_at = decisions.next_action_at(deadline, planned=planned)
    if next_at is not None and next_at <= now:
        raise RuntimeError(f"clock {deadline.pk} is due at {next_at} but owes no step")
    deadline.next_action_at = next_at  # in memory: the caller writes it
