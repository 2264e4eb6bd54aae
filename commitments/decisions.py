"""What a clock owes, and when: pure functions over its frozen parameters (no database).

The sweep asks :func:`decide` "what does this clock need now?" and records the answer; the
clock's ``next_action_at`` is always :func:`next_action_at` of its plan, so the sweep's index
finds it exactly when the next step falls due.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from commitments import business_time as bt
from commitments.vocabulary import BUSINESS_DAY_MINUTES

# Kinds counted in working time: their spans, pauses and reminders use the calendar.
BUSINESS_KINDS = frozenset({"business_hours", "same_business_day", "by_requested_date"})
ONE_BUSINESS_DAY = timedelta(minutes=BUSINESS_DAY_MINUTES)

StepKind = Literal["reminder", "breach", "escalation"]


@dataclass(frozen=True)
class Step:
    key: str  # "reminder-50", "breach", "escalation-1", "escalation-2"
    kind: StepKind
    at: datetime
    level: int | None = None
    percent: int | None = None


class ClockView:
    """The fields of a clock the decisions read; a ``Deadline`` row satisfies it."""

    params: dict[str, Any]
    work_calendar: bt.WorkCalendar
    state: str
    created_at: datetime
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    steps_done: list[str]
    paused_total: timedelta  # optional: a clock that never paused may leave it out


def compute_due(
    params: dict[str, Any],
    calendar: bt.WorkCalendar,
    *,
    start: datetime,
    target: datetime | None = None,
) -> datetime:
    """The due instant of a clock with these parameters started at ``start`` (no pauses)."""
    kind = params["kind"]
    days, months = params.get("days") or 0, params.get("months") or 0
    if kind == "elapsed":
        return bt.elapsed(start, timedelta(minutes=params["minutes"]))
    if kind == "business_hours":
        return bt.business_hours(calendar, start, timedelta(minutes=params["minutes"]))
    if kind == "same_business_day":
        return bt.same_business_day(calendar, start)
    if kind == "calendar_days":
        return bt.calendar_days(calendar, start, days=days, months=months)
    if kind == "every":
        return bt.every(start, timedelta(days=days))
    if kind not in ("lead_time", "by_requested_date"):
        raise ValueError(f"{kind!r} does not start a clock")
    if target is None:
        raise ValueError(f"a {kind} clock needs a target instant")
    if kind == "lead_time":
        return bt.lead_time(calendar, target, days=days, months=months)
    return bt.by_requested_date(calendar, target.astimezone(calendar.tz).date())


def explained_span(
    params: dict[str, Any],
    calendar: bt.WorkCalendar,
    *,
    start: datetime,
    due: datetime,
    target: datetime | None = None,
) -> tuple[datetime, datetime] | None:
    """The stretch whose closed time made the due instant what it is, or None for clocks that
    count wall-clock time. A requested-date clock is moved back from the end of the requested
    date to the last closing before it: its closed time lies after the due instant."""
    kind = params["kind"]
    if kind in ("business_hours", "same_business_day"):
        return (start, due) if due > start else None
    if kind == "by_requested_date" and target is not None:
        requested = target.astimezone(calendar.tz).date() + timedelta(days=1)
        end = datetime.combine(requested, datetime.min.time(), tzinfo=calendar.tz)
        return (due, end) if end > due else None
    return None


def span_between(params: dict[str, Any], calendar: bt.WorkCalendar, a: datetime, b: datetime):
    """Time between two instants in the clock's own time (working time for business clocks)."""
    if params["kind"] in BUSINESS_KINDS:
        return bt.working_time_between(calendar, a, b)
    return max(b - a, timedelta(0))


def advance(
    params: dict[str, Any], calendar: bt.WorkCalendar, instant: datetime, span: timedelta
) -> datetime:
    """``instant`` moved forward by ``span`` of the clock's own time."""
    if span <= timedelta(0):
        return instant
    if params["kind"] in BUSINESS_KINDS:
        return bt.business_hours(calendar, instant, span)
    return instant + span


def planned_steps(clock: ClockView) -> list[Step]:
    """Every step the clock's plan holds, in time order, whether done or not."""
    params, calendar = clock.params, clock.work_calendar
    steps: list[Step] = []
    span = span_between(params, calendar, clock.started_at, clock.due_at)
    # Paused time is inside the span (resuming moved due on by it) but the clock did not run:
    # a reminder falls when its share of the *running* time has passed, i.e. when the same
    # share of the promise remains as without the pause. Counting from the start as if every
    # pause came first is exact for reminders after the last resume; earlier ones were owed
    # before that pause anyway.
    paused = min(getattr(clock, "paused_total", None) or timedelta(0), span)
    running = span - paused
    for percent in sorted(params.get("reminder_percents") or []):
        if running <= timedelta(0):
            break
        at = advance(params, calendar, clock.started_at, paused + running * percent / 100)
        if at < clock.due_at:
            steps.append(Step(f"reminder-{percent}", "reminder", at, percent=percent))
    steps.append(Step("breach", "breach", clock.due_at))
    levels = params.get("escalation_levels", 2)
    if levels >= 1:
        steps.append(Step("escalation-1", "escalation", clock.due_at, level=1))
    if levels >= 2:
        steps.append(
            Step("escalation-2", "escalation", escalation_2_at(params, calendar, clock.due_at), 2)
        )
    return sorted(steps, key=lambda s: (s.at, _STEP_ORDER[s.kind]))


_STEP_ORDER = {"reminder": 0, "breach": 1, "escalation": 2}


def escalation_2_at(params: dict[str, Any], calendar: bt.WorkCalendar, due: datetime) -> datetime:
    """Level 2 goes to the division head one business day after due (SPEC §3), or a quarter of
    the target later for elapsed clocks shorter than one business day."""
    override = params.get("escalation_2_after_minutes")
    if override:
        return advance(params, calendar, due, timedelta(minutes=override))
    minutes = params.get("minutes")
    if params["kind"] == "elapsed" and minutes and timedelta(minutes=minutes) < ONE_BUSINESS_DAY:
        return due + timedelta(minutes=minutes) / 4
    return bt.business_hours(calendar, due, ONE_BUSINESS_DAY)


def pending_steps(clock: ClockView, *, planned: list[Step] | None = None) -> list[Step]:
    """Steps still owed: not done, and not a reminder whose moment passed before the clock was
    recorded (a back-dated clock does not remind about the past; breaches are never skipped).

    ``planned`` is :func:`planned_steps` of the clock when the caller has it already: the plan
    depends only on the terms, the start, the due instant and the time paused, which taking a
    step never changes (the sweep computes it once per clock, not once per question)."""
    if clock.state not in ("running", "breached") or clock.stopped_at is not None:
        return []
    done = set(clock.steps_done)
    return [
        step
        for step in (planned_steps(clock) if planned is None else planned)
        if step.key not in done and not (step.kind == "reminder" and step.at <= clock.created_at)
    ]


def next_action_at(clock: ClockView, *, planned: list[Step] | None = None) -> datetime | None:
    steps = pending_steps(clock, planned=planned)
    return steps[0].at if steps else None


def decide(clock: ClockView, *, now: datetime, planned: list[Step] | None = None) -> Step | None:
    """The step a clock needs at ``now``: the earliest owed step whose moment has come, or None.

    A reminder overtaken by its breach (the sweep was down past due) is still reported, so the
    caller can mark it done without a message (see :func:`is_overtaken`). ``planned``: as for
    :func:`pending_steps`."""
    steps = pending_steps(clock, planned=planned)
    return steps[0] if steps and steps[0].at <= now else None


def is_overtaken(clock: ClockView, step: Step, *, now: datetime) -> bool:
    """A reminder whose clock is already due at ``now`` is news nobody needs any more."""
    return step.kind == "reminder" and clock.due_at <= now
