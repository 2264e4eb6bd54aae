"""The figures of the SLA reports, as plain dataclasses (see the package docstring for what
counts).

Every function runs a fixed number of queries, whatever the number of clocks:

- closed clocks (met, breached, cancelled, time-to-stop buckets) are summed from the daily
  summary (:class:`commitments.models.ClockDaySummary`) — at most a year of days;
- clocks still running or paused, at risk, or breached and still owing are read from the clocks
  through partial indexes (there are few of them at any time);
- phone calls, unkind-service reports, coupons and survey scores are aggregated in one query each.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncWeek

from commitments.models import (
    Calendar,
    ClockDaySummary,
    ClockTerms,
    Commitment,
    Deadline,
    DeadlineState,
)
from commitments.models.calendar import HolidaySource
from commitments.models.catalogue import CLOCK_KINDS
from commitments.models.deadline import OPEN_STATES
from commitments.models.summary import BUCKET_FIELDS, STOP_BUCKETS
from commitments.vocabulary import ABSENT_CALLBACK, COMPLAINT_FEEDBACK
from requests_desk.models import (
    CallDaySummary,
    GiftCoupon,
    PhoneCall,
    SurveyResponse,
    UnkindServiceReport,
)
from requests_desk.models.contacts import APOLOGY_OWED_ABOVE, RINGS_MET_AT_MOST
from requests_desk.models.voice import ReportState
from requests_desk.reports.periods import SEOUL, Period
from requests_desk.reports.scopes import Scope

#: The per-call promises (no clock: each call keeps or breaks them).
ANSWER_3_RINGS = "phone.answer-3-rings"
LATE_APOLOGY = "phone.late-apology"
TREND_WEEKS = 26
#: How many rows of "at risk" and "breached and still open" the dashboard shows (the rest are
#: one click away in their lists).
PREVIEW_ROWS = 10


def compliance_share(met: int, breached: int) -> float | None:
    """met / (met + breached) in percent; None when nothing was decided."""
    return None if met + breached == 0 else 100.0 * met / (met + breached)


@dataclass(frozen=True)
class Percentile:
    """A percentile of time to stop, in percent of the span the clock was given; ``above``:
    it lies in the open last bucket, so only "more than ``value`` %" is known."""

    value: float
    above: bool = False


def percentile(buckets: list[int], q: float) -> Percentile | None:
    """The ``q`` quantile of the bucket counts, interpolated linearly inside its bucket."""
    total = sum(buckets)
    if total == 0:
        return None
    rank, seen, low = q * total, 0, 0.0
    for index, count in enumerate(buckets):
        high = STOP_BUCKETS[index] if index < len(STOP_BUCKETS) else None
        if count and seen + count >= rank:
            if high is None:
                return Percentile(value=float(low), above=True)
            return Percentile(value=low + (high - low) * (rank - seen) / count)
        seen += count
        low = float(high) if high is not None else low
    return Percentile(value=float(low), above=True)


@dataclass
class TermsInForce:
    """One set of frozen terms (``ClockTerms``) the period's clocks were computed with."""

    terms: ClockTerms
    calendar: Calendar | None = None  # the calendar the terms name, when it still exists

    @property
    def calendar_name(self) -> str:
        """The calendar by its name (its code only when it no longer exists)."""
        return self.calendar.name if self.calendar else self.terms.calendar_code

    @property
    def digest(self) -> str:
        return self.terms.digest[:12]

    @property
    def target(self) -> str:
        return target_words(self.terms.params)

    @property
    def calendar_code(self) -> str:
        return self.terms.calendar_code

    @property
    def holiday_source(self) -> str:
        source = self.terms.calendar.get("holiday_source", "")
        return str(HolidaySource(source).label) if source in HolidaySource.values else source

    @property
    def version(self):
        return self.terms.params.get("commitment_version")


def target_words(params: dict) -> str:
    """The target of frozen parameters in words (as the catalogue says it)."""
    return str(
        Commitment(
            target_kind=params.get("kind"),
            target_minutes=params.get("minutes"),
            target_days=params.get("days"),
            target_months=params.get("months"),
        ).target_display
    )


@dataclass
class CommitmentFigures:
    commitment: Commitment
    met: int = 0
    breached: int = 0
    cancelled: int = 0
    running: int = 0  # running or paused, due in the period
    breached_open: int = 0  # breached, due in the period, and still owing (not stopped)
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKET_FIELDS))
    terms: list[TermsInForce] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.commitment.code

    @property
    def started(self) -> int:
        """Clocks of the period that count: met, breached or still running (not cancelled)."""
        return self.met + self.breached + self.running

    @property
    def compliance(self) -> float | None:
        return compliance_share(self.met, self.breached)

    @property
    def breached_stopped(self) -> int:
        """Breached, then given all the same (late): stopped after its due instant."""
        return self.breached - self.breached_open

    @property
    def given(self) -> int:
        """What the clocks waited for was given: in time (met) or late (breached, stopped)."""
        return self.met + self.breached_stopped

    @property
    def outstanding(self) -> int:
        """Still owed: running, paused, or breached and not stopped yet."""
        return self.running + self.breached_open

    @property
    def median(self) -> Percentile | None:
        return percentile(self.buckets, 0.5)

    @property
    def p90(self) -> Percentile | None:
        return percentile(self.buckets, 0.9)

    @property
    def targets(self) -> str:
        """The targets in force for the period's clocks (the current one when there were none)."""
        words = sorted({t.target for t in self.terms})
        return " / ".join(words) if words else str(self.commitment.target_display)

    @property
    def is_empty(self) -> bool:
        return self.started == 0 and self.cancelled == 0


@dataclass
class PhoneFigures:
    calls: int = 0
    within_three: int = 0
    apology_owed: int = 0
    apology_given: int = 0
    callbacks: CommitmentFigures | None = None

    @property
    def within_three_share(self) -> float | None:
        return None if not self.calls else 100.0 * self.within_three / self.calls

    @property
    def apology_missing(self) -> int:
        return self.apology_owed - self.apology_given

    @property
    def apology_share(self) -> float | None:
        return None if not self.apology_owed else 100.0 * self.apology_given / self.apology_owed


@dataclass
class ComplaintFigures:
    feedback: CommitmentFigures | None = None
    unkind_confirmed: int = 0
    coupons: int = 0


@dataclass
class SurveyFigures:
    count: int = 0
    average: float | None = None


@dataclass
class TrendPoint:
    week: date  # the Monday
    met: int
    breached: int
    last_day: date | None = None  # the Sunday, or the last day counted in the last week

    @property
    def period(self) -> Period:
        """The days counted, as a custom period (what the week's numbers link to)."""
        return Period(kind="custom", start=self.week, end=self.last_day or self.week)

    @property
    def compliance(self) -> float | None:
        return compliance_share(self.met, self.breached)


@dataclass
class ClockPreview:
    """The first rows of a clock list and how many there are in all."""

    rows: list[Deadline]
    count: int


@dataclass
class Dashboard:
    period: Period
    scope: Scope
    now: datetime
    hours: int
    commitments: list[CommitmentFigures]
    phone: PhoneFigures
    complaints: ComplaintFigures
    surveys: SurveyFigures
    trend: list[TrendPoint]
    at_risk: ClockPreview
    breached_open: ClockPreview
    calendars: list[Calendar]

    @property
    def totals(self) -> CommitmentFigures:
        total = CommitmentFigures(commitment=Commitment(code=""))
        for row in self.commitments:
            total.met += row.met
            total.breached += row.breached
            total.cancelled += row.cancelled
            total.running += row.running
            total.breached_open += row.breached_open
            total.buckets = [a + b for a, b in zip(total.buckets, row.buckets, strict=True)]
        return total


def dashboard(*, scope: Scope, period: Period, now: datetime, hours: int) -> Dashboard:
    calendars = list(Calendar.objects.order_by("code"))
    figures = commitment_figures(scope=scope, period=period, calendars=calendars)
    by_code = {row.code: row for row in figures}
    return Dashboard(
        period=period,
        scope=scope,
        now=now,
        hours=hours,
        commitments=figures,
        phone=phone_figures(scope=scope, period=period, callbacks=by_code.get(ABSENT_CALLBACK)),
        complaints=complaint_figures(
            scope=scope, period=period, feedback=by_code.get(COMPLAINT_FEEDBACK)
        ),
        surveys=survey_figures(scope=scope, period=period),
        trend=weekly_trend(scope=scope, until=min(period.end, now.astimezone(SEOUL).date())),
        at_risk=preview(at_risk_clocks(scope=scope, now=now, hours=hours)),
        breached_open=preview(breached_open_clocks(scope=scope)),
        calendars=calendars,
    )


def commitment_figures(
    *, scope: Scope, period: Period, calendars: list[Calendar] | None = None
) -> list[CommitmentFigures]:
    """Per clock-starting commitment (in code order): four queries whatever the data."""
    commitments = [c for c in Commitment.objects.order_by("code") if c.target_kind in CLOCK_KINDS]
    rows = {c.pk: CommitmentFigures(commitment=c) for c in commitments}
    summary = ClockDaySummary.objects.filter(
        scope.summary(), day__gte=period.start, day__lte=period.end
    )
    # Grouped by terms as well, so the terms in force come with the sums instead of a second
    # pass over the period's summary rows.
    sums = {name: Sum(name) for name in ("met", "breached", "cancelled", *BUCKET_FIELDS)}
    summary_terms = set()
    for entry in summary.values("commitment_id", "terms_id").annotate(**sums).order_by():
        summary_terms.add(entry["terms_id"])
        row = rows.get(entry["commitment_id"])
        if row is None:
            continue
        row.met += entry["met"]
        row.breached += entry["breached"]
        row.cancelled += entry["cancelled"]
        row.buckets = [
            total + (entry[name] or 0)
            for total, name in zip(row.buckets, BUCKET_FIELDS, strict=True)
        ]
    # Still owing: running or paused, or breached and not stopped. One query of two parts, so
    # each reads its own partial index — the open clocks' covers every column used here, so
    # that part never visits the table — instead of a bitmap over both and a heap page per clock.
    # COUNT(*), not COUNT(id): the covering index holds no id, so counting ids reads the table.
    in_period = {"due_at__gte": period.start_at, "due_at__lt": period.end_at}
    running = (
        Deadline.objects.filter(scope.clocks(), state__in=OPEN_STATES, **in_period)
        .values("commitment_id", "terms_id")
        .annotate(running=Count("*"), breached_open=Value(0))
        .order_by()
    )
    breached_open = (
        Deadline.objects.filter(
            scope.clocks(), state=DeadlineState.BREACHED, stopped_at__isnull=True, **in_period
        )
        .values("commitment_id", "terms_id")
        .annotate(running=Value(0), breached_open=Count("*"))
        .order_by()
    )
    owing_terms = set()
    for entry in running.union(breached_open, all=True):
        owing_terms.add(entry["terms_id"])
        if (row := rows.get(entry["commitment_id"])) is not None:
            row.running += entry["running"]
            row.breached_open += entry["breached_open"]
    in_force = ClockTerms.objects.filter(pk__in=summary_terms | owing_terms)
    by_code = {c.code: c for c in (Calendar.objects.all() if calendars is None else calendars)}
    for terms in in_force.order_by("commitment_code", "created_at"):
        for row in rows.values():
            if row.code == terms.commitment_code:
                row.terms.append(
                    TermsInForce(terms=terms, calendar=by_code.get(terms.calendar_code))
                )
    return list(rows.values())


def phone_figures(
    *, scope: Scope, period: Period, callbacks: CommitmentFigures | None
) -> PhoneFigures:
    """The period's calls, from their daily summary (a row a day and answering team), counted
    for the scope's division, or its division and team."""
    counts = ("calls", "within_three", "apology_owed", "apology_given")
    calls = CallDaySummary.objects.filter(
        scope.by_division(team_path="team_key", division_path="division_key"),
        day__gte=period.start,
        day__lte=period.end,
    ).aggregate(**{name: Coalesce(Sum(name), 0) for name in counts})
    return PhoneFigures(**calls, callbacks=callbacks)


def complaint_figures(
    *, scope: Scope, period: Period, feedback: CommitmentFigures | None
) -> ComplaintFigures:
    return ComplaintFigures(
        feedback=feedback,
        unkind_confirmed=unkind_confirmed(scope=scope, period=period).count(),
        coupons=coupons_issued(scope=scope, period=period).count(),
    )


def survey_figures(*, scope: Scope, period: Period) -> SurveyFigures:
    result = survey_scores(scope=scope, period=period).aggregate(
        count=Count("*"), average=Avg("score")
    )
    return SurveyFigures(count=result["count"], average=result["average"])


def weekly_trend(*, scope: Scope, until: date) -> list[TrendPoint]:
    """Compliance per week (Monday to Sunday, by due day) for the :data:`TREND_WEEKS` weeks
    ending with the week of ``until``; weeks without a decided clock have no compliance.

    Each clock counts in the week it is due, the whole week: a clock met today but due on
    Friday counts in this week's point, as it does in the month's figures."""
    last_monday = until - timedelta(days=until.weekday())
    first_monday = last_monday - timedelta(weeks=TREND_WEEKS - 1)
    weeks = {first_monday + timedelta(weeks=n): [0, 0] for n in range(TREND_WEEKS)}
    last_sunday = last_monday + timedelta(days=6)
    entries = (
        ClockDaySummary.objects.filter(scope.summary(), day__gte=first_monday, day__lte=last_sunday)
        .annotate(week=TruncWeek("day"))
        .values("week")
        .annotate(met=Sum("met"), breached=Sum("breached"))
        .order_by()
    )
    for entry in entries:
        week = entry["week"]
        week = week.date() if isinstance(week, datetime) else week
        if week in weeks:
            weeks[week] = [entry["met"] or 0, entry["breached"] or 0]
    return [
        TrendPoint(week=w, met=m, breached=b, last_day=w + timedelta(days=6))
        for w, (m, b) in sorted(weeks.items())
    ]


def preview(clocks: QuerySet) -> ClockPreview:
    return ClockPreview(rows=list(clocks[:PREVIEW_ROWS]), count=clocks.count())


# --- the rows behind the figures (also used by the drill-down lists) -------------------------


def clock_rows() -> QuerySet:
    return Deadline.objects.select_related("commitment", "division", "team", "owner", "terms")


def period_clocks(
    *, scope: Scope, period: Period, outcome: str, commitment: Commitment | None = None
) -> QuerySet:
    """Clocks due in the period with an outcome: ``started`` (not cancelled), ``met``,
    ``breached``, ``running`` (running or paused), ``cancelled``; ``breached_stopped``
    (breached, then given late), ``given`` (met, or breached and given late) or
    ``outstanding`` (running, paused, or breached and not stopped yet)."""
    breached_open = Q(state=DeadlineState.BREACHED, stopped_at__isnull=True)
    breached_stopped = Q(state=DeadlineState.BREACHED, stopped_at__isnull=False)
    which = {
        "started": Q(state__in=[DeadlineState.MET, DeadlineState.BREACHED, *OPEN_STATES]),
        "met": Q(state=DeadlineState.MET),
        "breached": Q(state=DeadlineState.BREACHED),
        "running": Q(state__in=OPEN_STATES),
        "cancelled": Q(state=DeadlineState.CANCELLED),
        "breached_stopped": breached_stopped,
        "given": Q(state=DeadlineState.MET) | breached_stopped,
        "outstanding": Q(state__in=OPEN_STATES) | breached_open,
    }[outcome]
    clocks = clock_rows().filter(
        scope.clocks(), which, due_at__gte=period.start_at, due_at__lt=period.end_at
    )
    if commitment is not None:
        clocks = clocks.filter(commitment=commitment)
    return clocks.order_by("due_at", "pk")


def at_risk_clocks(*, scope: Scope, now: datetime, hours: int) -> QuerySet:
    """Running clocks due within the next ``hours`` working hours of their calendar (wall-clock
    hours for 24×7 clocks: :class:`commitments.models.RiskHorizon`, as the desk counts them),
    nearest first (whatever the period: this is about now)."""
    clocks = clock_rows().filter(scope.clocks()).at_risk(now=now, hours=hours)
    return clocks.order_by("due_at", "pk")


def breached_open_clocks(*, scope: Scope) -> QuerySet:
    """Clocks breached and still owing what they wait for (whatever the period), oldest due
    first."""
    return (
        clock_rows()
        .filter(scope.clocks(), state=DeadlineState.BREACHED, stopped_at__isnull=True)
        .order_by("due_at", "pk")
    )


def period_calls(*, scope: Scope, period: Period, outcome: str = "all") -> QuerySet:
    """Calls received in the period: ``all``, ``within_three``, ``late`` (more than three
    rings), ``apology_owed``, ``apology_given``, ``apology_missing``."""
    calls = PhoneCall.objects.select_related("division", "answered_by", "request").filter(
        scope.by_division(team_path="team_id"),
        received_at__gte=period.start_at,
        received_at__lt=period.end_at,
    )
    owed = Q(rings__gt=APOLOGY_OWED_ABOVE)
    calls = calls.filter(
        {
            "all": Q(),
            "within_three": Q(rings__lte=RINGS_MET_AT_MOST),
            "late": Q(rings__gt=RINGS_MET_AT_MOST),
            "apology_owed": owed,
            "apology_given": owed & Q(apology_given=True),
            "apology_missing": owed & Q(apology_given=False),
        }[outcome]
    )
    return calls.order_by("received_at", "pk")


def unkind_confirmed(*, scope: Scope, period: Period) -> QuerySet:
    return (
        UnkindServiceReport.objects.select_related("division", "request")
        .filter(
            scope.by_division(team_path="request__team_id"),
            state=ReportState.CONFIRMED,
            decided_at__gte=period.start_at,
            decided_at__lt=period.end_at,
        )
        .order_by("decided_at", "pk")
    )


def coupons_issued(*, scope: Scope, period: Period) -> QuerySet:
    return (
        GiftCoupon.objects.select_related("division", "report__request")
        .filter(
            scope.by_division(team_path="report__request__team_id"),
            issued_at__gte=period.start_at,
            issued_at__lt=period.end_at,
        )
        .order_by("issued_at", "pk")
    )


def survey_scores(*, scope: Scope, period: Period) -> QuerySet:
    return (
        SurveyResponse.objects.select_related("division", "team", "request")
        .filter(
            scope.by_division(team_path="team_id"),
            at__gte=period.start_at,
            at__lt=period.end_at,
        )
        .order_by("at", "pk")
    )


def company_compliance(*, period: Period) -> list[CommitmentFigures]:
    """Per commitment, for the whole company: what the public scorecard shows — the clocks,
    and the per-call promises counted from the calls (:func:`per_call_figures`), in code
    order."""
    rows = commitment_figures(scope=Scope(), period=period) + per_call_figures(period=period)
    return sorted(rows, key=lambda row: row.code)


def per_call_figures(*, period: Period) -> list[CommitmentFigures]:
    """The per-call promises, company-wide, from the calls received in the period (one
    query): ``phone.answer-3-rings`` is kept by a call answered within three rings;
    ``phone.late-apology`` is owed by a call that rang more than four times and kept when the
    apology was given. "Met" is kept, "breached" owed and not kept."""
    commitments = {
        c.code: c for c in Commitment.objects.filter(code__in=(ANSWER_3_RINGS, LATE_APOLOGY))
    }
    if not commitments:
        return []
    phone = phone_figures(scope=Scope(), period=period, callbacks=None)
    kept_and_owed = {
        ANSWER_3_RINGS: (phone.within_three, phone.calls),
        LATE_APOLOGY: (phone.apology_given, phone.apology_owed),
    }
    return [
        CommitmentFigures(
            commitment=commitment,
            met=kept_and_owed[code][0],
            breached=kept_and_owed[code][1] - kept_and_owed[code][0],
        )
        for code, commitment in sorted(commitments.items())
    ]
