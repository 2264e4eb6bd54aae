"""Clocks: one row per commitment owed on a subject, and an append-only event per transition.

A clock carries everything the sweep needs to decide and to address its messages (owner, team,
division, a label of its subject, and its type and id, from which the link is resolved when
shown), so this app never imports the apps that own the subjects. The parameters and the
calendar it was computed with are frozen on the row: editing the catalogue or a calendar later
never rewrites a clock's history.
"""

from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments import business_time, subjects
from commitments.models.calendar import work_calendars
from commitments.models.catalogue import TargetKind


class DeadlineState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (DeadlineState.RUNNING, DeadlineState.PAUSED)
#: Still owing what it waits for: running, paused, or breached and not yet stopped.
OWING = Q(state__in=OPEN_STATES) | Q(state=DeadlineState.BREACHED, stopped_at__isnull=True)
#: How soon a running clock's due instant must be to put it at risk (see :class:`RiskHorizon`).
AT_RISK_HOURS = 4


class RiskHorizon:
    """At risk: a running clock due within the next ``hours`` working hours of its calendar,
    counted from ``now`` — wall-clock hours for a 24×7 (``elapsed``) clock, which counts on
    through nights and weekends. A paused clock is not at risk: its due instant moves when it
    resumes.

    The one definition the desk (a row's state, the list's filter) and the SLA reports ("at
    risk now") share: :meth:`holds` judges one clock, :meth:`q` selects them. The working hours
    are those of the calendars as they stand now (:func:`work_calendars`), read once, when a
    clock first needs them."""

    def __init__(self, *, now: datetime, hours: int = AT_RISK_HOURS) -> None:
        self.now, self.hours = now, hours

    @property
    def wall_clock(self) -> datetime:
        return self.now + timedelta(hours=self.hours)

    @cached_property
    def by_calendar(self) -> dict[str, datetime]:
        """Per calendar code: the instant ``hours`` working hours after ``now``."""
        span = timedelta(hours=self.hours)
        return {
            code: business_time.business_hours(calendar, self.now, span)
            for code, calendar in work_calendars().items()
        }

    def holds(self, deadline: "Deadline") -> bool:
        if deadline.state != DeadlineState.RUNNING or deadline.due_at < self.now:
            return False
        if deadline.kind == TargetKind.ELAPSED:
            return deadline.due_at <= self.wall_clock
        until = self.by_calendar.get(deadline.calendar_code)
        return until is not None and deadline.due_at <= until

    def q(self) -> Q:
        """The terms are judged once, in subqueries over the few frozen terms, not per clock:
        reading ``params -> 'kind'`` from each clock's joined terms cost ~16 µs a clock (half
        a second for the 29,000 owing clocks of a million requests, on every clock filter)."""
        elapsed = Q(params__kind=TargetKind.ELAPSED)
        terms = ClockTerms.objects.order_by()
        within = Q(terms__in=terms.filter(elapsed).values("pk"), due_at__lte=self.wall_clock)
        for code, until in self.by_calendar.items():
            on_calendar = terms.filter(~elapsed, calendar_code=code).values("pk")
            within |= Q(terms__in=on_calendar, due_at__lte=until)
        # The latest of the horizons bounds the range read by due instant (the clocks due in
        # the next hours or days, not every running clock after now).
        latest = max([self.wall_clock, *self.by_calendar.values()])
        return within & Q(state=DeadlineState.RUNNING, due_at__gte=self.now, due_at__lte=latest)


class DeadlineQuerySet(models.QuerySet):
    def open(self) -> "DeadlineQuerySet":
        return self.filter(state__in=OPEN_STATES)

    def owing(self) -> "DeadlineQuerySet":
        """Clocks that still owe something: running, paused, or breached and not yet stopped."""
        return self.filter(OWING)

    def of_subject(self, subject_type, subject_id) -> "DeadlineQuerySet":
        """The clocks owed on one subject (its id, or an expression such as ``OuterRef``)."""
        if isinstance(subject_id, int):
            subject_id = str(subject_id)
        return self.filter(subject_type=subject_type, subject_id=subject_id)

    def of_subjects(self, subject_type: str, subjects_or_ids) -> "DeadlineQuerySet":
        """The clocks owed on several subjects of a type, in one query: their ids, the subjects,
        or a queryset of them (read as a subquery). A clock names its subject by type and id,
        not by a foreign key, so ``prefetch_related`` cannot follow it."""
        if isinstance(subjects_or_ids, models.QuerySet):
            ids = subjects_or_ids.order_by().annotate(sid=Cast("pk", CharField())).values("sid")
        else:
            ids = [str(getattr(item, "pk", item)) for item in subjects_or_ids]
        return self.filter(subject_type=subject_type, subject_id__in=ids)

    def with_terms_digest(self) -> "DeadlineQuerySet":
        """Each clock with its terms' digest only (``terms_digest``), for
        :func:`clock_terms_attach`."""
        return self.annotate(terms_digest=models.F("terms__digest"))

    def at_risk(self, *, now: datetime, hours: int = AT_RISK_HOURS) -> "DeadlineQuerySet":
        """Running clocks due within ``hours`` working hours of ``now`` (:class:`RiskHorizon`)."""
        return self.filter(RiskHorizon(now=now, hours=hours).q())


class ClockTerms(models.Model):
    """The terms clocks are computed with — a commitment's parameters and a calendar with its
    holidays and closures — frozen and stored once, however many clocks share them.

    A later edit of the catalogue or a calendar makes new terms for new clocks; running clocks
    keep theirs until they are recomputed, and closed clocks keep theirs for ever.
    """

    digest = models.CharField(_("digest"), max_length=64, unique=True)
    commitment_code = models.CharField(_("commitment"), max_length=60)
    calendar_code = models.CharField(_("calendar"), max_length=40)
    params = models.JSONField(_("frozen parameters"))
    calendar = models.JSONField(_("frozen calendar"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("clock terms")
        verbose_name_plural = _("clock terms")

    def __str__(self) -> str:
        return f"{self.commitment_code} @ {self.calendar_code} ({self.digest[:8]})"

    @property
    def work_calendar(self) -> business_time.WorkCalendar:
        # Terms never change once written, so each is parsed once per process, keyed by its
        # digest (the sweep reads thousands of clocks that share a handful of terms).
        calendar = _PARSED_CALENDARS.get(self.digest)
        if calendar is None:
            if len(_PARSED_CALENDARS) >= 1024:
                _PARSED_CALENDARS.clear()
            calendar = business_time.WorkCalendar.from_dict(self.calendar)
            _PARSED_CALENDARS[self.digest] = calendar
        return calendar


_PARSED_CALENDARS: dict[str, business_time.WorkCalendar] = {}
#: Terms read whole, by digest (their content's hash: a digest always names the same terms).
_TERMS_BY_DIGEST: dict[str, ClockTerms] = {}


def clock_terms_attach(deadlines: list["Deadline"]) -> list["Deadline"]:
    """Point each of ``deadlines`` (read with :meth:`DeadlineQuerySet.with_terms_digest`) at its
    terms, read whole once per process and shared: a list showing 50 clocks decoded their
    frozen calendar (holidays of four years, as JSON) once per clock, though they share a
    handful of terms. At most one query (the terms not yet read)."""
    missing = {deadline.terms_digest for deadline in deadlines} - _TERMS_BY_DIGEST.keys()
    if missing:
        if len(_TERMS_BY_DIGEST) + len(missing) > 256:
            _TERMS_BY_DIGEST.clear()
            missing = {deadline.terms_digest for deadline in deadlines}
        _TERMS_BY_DIGEST.update(
            (terms.digest, terms) for terms in ClockTerms.objects.filter(digest__in=missing)
        )
    link = Deadline.terms.field
    for deadline in deadlines:
        link.set_cached_value(deadline, _TERMS_BY_DIGEST[deadline.terms_digest])
    return deadlines


class Deadline(models.Model):
    # Few indexes on purpose: every step the sweep records moves ``next_action_at``, an
    # indexed column, so no update of a clock is HOT and each writes an entry into every index
    # of the table. The foreign keys' own indexes are left out (``db_index=False``) where a
    # composite index of Meta.indexes starts with the key (commitment, team, division) or
    # where nothing reads by the key (owner, service, terms: only the rare deletion of a user,
    # a service or terms, which none of the portal's paths does, would scan the table).
    commitment = models.ForeignKey(
        "commitments.Commitment",
        on_delete=models.PROTECT,
        related_name="deadlines",
        verbose_name=_("commitment"),
        db_index=False,
    )
    commitment_code = models.CharField(_("commitment"), max_length=60)
    terms = models.ForeignKey(
        ClockTerms,
        on_delete=models.PROTECT,
        related_name="deadlines",
        verbose_name=_("terms"),
        db_index=False,
    )

    subject_type = models.CharField(_("subject type"), max_length=40)
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject_label = models.CharField(_("subject"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("owner"),
        db_index=False,
    )
    team = models.ForeignKey(
        "commitments.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        db_index=False,
    )
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
        db_index=False,
    )
    service = models.ForeignKey(
        "commitments.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
        db_index=False,
    )

    cycle = models.PositiveIntegerField(_("cycle"), default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="following",
        verbose_name=_("previous cycle"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"))
    target_at = models.DateTimeField(_("target instant"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.RUNNING
    )
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stop_cause = models.CharField(_("stop cause"), max_length=200, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_total = models.DurationField(
        _("time paused"),
        default=timedelta,
        help_text=_("In the clock's own time: working time for business clocks."),
    )
    steps_done = models.JSONField(_("steps done"), default=list, blank=True)
    next_action_at = models.DateTimeField(_("next action at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        indexes = [
            # The sweep's "what is due now" reads only rows that still owe an action.
            models.Index(
                fields=["next_action_at"],
                name="deadline_next_action",
                condition=models.Q(next_action_at__isnull=False),
            ),
            models.Index(fields=["subject_type", "subject_id"], name="deadline_subject"),
            # The API's clocks of one commitment (its capped count). A plain index: the
            # ``varchar_pattern_ops`` twin ``db_index=True`` adds served no query.
            models.Index(fields=["commitment_code"], name="deadline_commitment_code"),
            # The API's clocks, nearest due first: a page is read in this order, not sorted.
            models.Index(fields=["due_at", "id"], name="deadline_due"),
            models.Index(fields=["division", "state", "due_at"], name="deadline_division_state"),
            # The SLA reports (requests_desk.reports): clocks by due instant, per commitment,
            # state or team, and the few that are open or breached and still owing.
            models.Index(fields=["commitment", "due_at"], name="deadline_commitment_due"),
            models.Index(fields=["state", "due_at"], name="deadline_state_due"),
            models.Index(fields=["team", "state", "due_at"], name="deadline_team_state"),
            # The open clocks by due instant, carrying what the reports group them by, so that
            # counting a period's running clocks reads the index alone.
            models.Index(
                fields=["due_at"],
                name="deadline_open_due",
                include=["commitment", "terms", "division", "team", "state"],
                condition=models.Q(state__in=["running", "paused"]),
            ),
            # Likewise the breached clocks still owing: a heap page per clock otherwise.
            models.Index(
                fields=["due_at"],
                name="deadline_breached_open",
                include=["commitment", "terms", "division", "team"],
                condition=models.Q(state="breached", stopped_at__isnull=True),
            ),
            # The clocks still owing, by subject, carrying what judges them (breached, at risk,
            # on track): the request list's clock filter reads the index alone, not a heap page
            # per clock.
            models.Index(
                fields=["subject_type", "subject_id"],
                name="deadline_owing_subject",
                include=["state", "due_at", "paused_at", "terms"],
                condition=OWING,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[choice for choice, _label in DeadlineState.choices]),
                name="deadline_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_code} · {self.subject_label or self.subject_id}"

    @property
    def params(self) -> dict:
        return self.terms.params

    @property
    def calendar_code(self) -> str:
        return self.terms.calendar_code

    @property
    def work_calendar(self) -> business_time.WorkCalendar:
        return self.terms.work_calendar

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def kind(self) -> str:
        return self.params["kind"]

    @property
    def subject_path(self) -> str:
        """The path of the page that shows the subject, resolved now in the active language
        ("" when no page shows it): :mod:`commitments.subjects`."""
        return subjects.subject_path(subject_type=self.subject_type, subject_id=self.subject_id)


class EventKind(models.TextChoices):
    STARTED = "started", _("Clock started")
    PAUSED = "paused", _("Clock paused")
    RESUMED = "resumed", _("Clock resumed")
    RECOMPUTED = "recomputed", _("Clock recomputed")
    REMINDER = "reminder", _("Reminder due")
    BREACHED = "breached", _("Clock breached")
    ESCALATED = "escalated", _("Escalated")
    MET = "met", _("Clock met")
    STOPPED_LATE = "stopped_late", _("Stopped after breach")
    CANCELLED = "cancelled", _("Clock cancelled")
    ERROR = "error", _("Error while deciding")


class DeadlineEvent(models.Model):
    """What happened to a clock; rows are only ever added."""

    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, related_name="events", verbose_name=_("clock")
    )
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    # "reminder-50", "breach", "escalation-1" …: a step can happen once per clock.
    step_key = models.CharField(_("step"), max_length=40, null=True, blank=True)
    at = models.DateTimeField(_("at"), help_text=_("The instant the event concerns."))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "step_key"],
                condition=models.Q(step_key__isnull=False),
                name="one_event_per_clock_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.at:%Y-%m-%d %H:%M}"
