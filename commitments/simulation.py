"""The deadline simulator: "what due instant would this clock get, and why?"

It runs the same arithmetic a real clock uses, on the calendar a real clock would freeze, so an
admin can check a calendar before trusting it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from commitments import business_time as bt
from commitments import decisions
from commitments.deadlines import calendar_for, commitment_params
from commitments.models import Commitment, Division

SUPPORTED_YEARS = bt.SUPPORTED_YEARS


class SimulationError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Simulation:
    commitment: Commitment
    calendar_code: str
    start: datetime
    target: datetime | None
    due_at: datetime
    skipped: list[bt.Skipped]
    steps: list[decisions.Step]

    @property
    def step_rows(self) -> list[tuple[str, datetime]]:
        return [(step_label(step), step.at) for step in self.steps]


def step_label(step: decisions.Step) -> str:
    """A step as people read it ("Reminder at 50 %", "Escalation to the division head")."""
    if step.kind == "reminder":
        return _("Reminder at %(percent)s %%") % {"percent": step.percent}
    if step.kind == "breach":
        return _("Breach (due)")
    if step.level == 1:
        return _("Escalation to the team manager")
    return _("Escalation to the division head")


class _PlannedClock:
    """A clock that exists only in the simulator, for :func:`decisions.planned_steps`."""

    state = "running"
    stopped_at = None
    steps_done: list[str] = []

    def __init__(self, params, work_calendar, start, due):
        self.params, self.work_calendar = params, work_calendar
        self.created_at = self.started_at = start
        self.due_at = due


def simulate_due(
    *,
    commitment: Commitment,
    start: datetime,
    target: datetime | None = None,
    division: Division | None = None,
) -> Simulation:
    if not commitment.starts_clock:
        raise SimulationError(
            "code", _("%(code)s is a rule and starts no clock.") % {"code": commitment.code}
        )
    if commitment.needs_target and target is None:
        raise SimulationError(
            "target",
            _("This commitment's clock counts from a target: give the target instant or date."),
        )
    for field, instant in (("start", start), ("target", target)):
        if instant is not None and instant.year not in SUPPORTED_YEARS:
            raise SimulationError(
                field,
                _(
                    "Give an instant between %(first)s and %(last)s: the calendars know the "
                    "holidays of those years only."
                )
                % {"first": SUPPORTED_YEARS[0], "last": SUPPORTED_YEARS[-1]},
            )
    calendar = calendar_for(commitment=commitment, division=division)
    work_calendar = calendar.to_work_calendar()
    params = commitment_params(commitment)
    due = decisions.compute_due(params, work_calendar, start=start, target=target)
    span = decisions.explained_span(params, work_calendar, start=start, due=due, target=target)
    skipped = bt.explain(work_calendar, *span) if span else []
    clock = _PlannedClock(params, work_calendar, start, due)
    return Simulation(
        commitment=commitment,
        calendar_code=calendar.code,
        start=start,
        target=target,
        due_at=due,
        skipped=skipped,
        steps=decisions.planned_steps(clock),
    )
