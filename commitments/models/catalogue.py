"""The commitment catalogue: every promise of the charter, with the clock it starts."""

import math

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.vocabulary import BUSINESS_DAY_MINUTES, CHANNELS, OUTBOX_CHANNELS, PURPOSES

code_validator = RegexValidator(
    r"^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*$",
    _("A code is a group and a name joined by a dot, e.g. common.feasibility."),
)


class TargetKind(models.TextChoices):
    ELAPSED = "elapsed", _("Elapsed time (24×7)")
    BUSINESS_HOURS = "business_hours", _("Working hours")
    SAME_BUSINESS_DAY = "same_business_day", _("Same business day")
    CALENDAR_DAYS = "calendar_days", _("Calendar days or months")
    LEAD_TIME = "lead_time", _("Lead time before a target")
    BY_REQUESTED_DATE = "by_requested_date", _("By the requested date")
    EVERY = "every", _("Recurring")
    PER_CALL = "per_call", _("Per phone call")
    RULE = "rule", _("Rule (no clock)")


# Kinds whose clock needs a target instant (the suspension start, the requested date …).
KINDS_WITH_TARGET = {TargetKind.LEAD_TIME, TargetKind.BY_REQUESTED_DATE}
# Kinds whose clock may pause while the case waits on the customer: those counted from a start.
PAUSABLE_KINDS = {
    TargetKind.ELAPSED,
    TargetKind.BUSINESS_HOURS,
    TargetKind.SAME_BUSINESS_DAY,
    TargetKind.CALENDAR_DAYS,
    TargetKind.EVERY,
}
# Kinds whose target is a number of minutes, and those counted in days or months.
MINUTES_KINDS = {TargetKind.ELAPSED, TargetKind.BUSINESS_HOURS}
SPAN_KINDS = {TargetKind.CALENDAR_DAYS, TargetKind.LEAD_TIME}
# Kinds that start a deadline row at all.
CLOCK_KINDS = set(TargetKind) - {TargetKind.PER_CALL, TargetKind.RULE}


#: The acts that can keep a promise, in the admins' words: why we told the customer, and how.
PURPOSE_CHOICES = [
    ("feasibility", _("Feasibility answer")),
    ("result", _("Result")),
    ("eta", _("Expected time")),
    ("progress", _("Progress update")),
    ("plan", _("Handling plan")),
    ("callback", _("Call-back")),
    ("delay", _("Delay notice")),
    ("schedule", _("Schedule and scope")),
    ("feedback", _("Feedback")),
    ("other", _("Other")),
]
CHANNEL_CHOICES = [
    ("phone", pgettext_lazy("channel", "Phone")),
    ("email", _("E-mail")),
    ("homepage", _("Homepage")),
    ("visit", _("Visit")),
    ("support_center", _("Support center")),
    ("document", _("Document")),
    ("sms", _("SMS")),
]
assert [code for code, _label in PURPOSE_CHOICES] == list(PURPOSES)
assert [code for code, _label in CHANNEL_CHOICES] == list(CHANNELS)


def validate_purposes(value) -> None:
    """Kept for the first migration, which names it; the field checks its codes itself."""
    if not isinstance(value, list) or any(p not in PURPOSES for p in value):
        raise ValidationError(_("Choose from the list: %(codes)s."), params={"codes": PURPOSES})


class CodeListField(models.JSONField):
    """A list of codes from a fixed vocabulary (purposes, channels), stored as a JSON list (the
    same in SQLite and PostgreSQL, and frozen as is into a clock's terms) and edited as a
    checklist: the admin and every model form show one checkbox a code."""

    def __init__(self, *args, codes=(), **kwargs):
        self.codes = list(codes)
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("codes", None)  # labels are the code's business, not the schema's
        return name, path, args, kwargs

    def validate(self, value, model_instance) -> None:
        super().validate(value, model_instance)
        known = [code for code, _label in self.codes]
        if not known:
            return
        if not isinstance(value, list) or any(code not in known for code in value):
            raise ValidationError(
                _("Choose from the list: %(codes)s."), params={"codes": ", ".join(known)}
            )

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.codes,
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
        )


def validate_percents(value) -> None:
    if not isinstance(value, list) or any(
        not isinstance(p, int) or isinstance(p, bool) or not 1 <= p <= 99 for p in value
    ):
        raise ValidationError(
            _("Give a list of whole percentages between 1 and 99, e.g. [50, 80].")
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each reminder percentage may appear only once."))


def default_reminders() -> list[int]:
    return [50, 80]


class Commitment(models.Model):
    code = models.CharField(_("code"), max_length=60, unique=True, validators=[code_validator])
    title_ko = models.CharField(_("title (Korean)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    promise_ko = models.TextField(_("promise (Korean)"))
    promise_en = models.TextField(_("promise (English)"))
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("division"),
        help_text=_("Empty for a company-wide commitment."),
    )
    service = models.ForeignKey(
        "commitments.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        verbose_name=_("service"),
    )
    target_kind = models.CharField(_("clock kind"), max_length=20, choices=TargetKind.choices)
    target_minutes = models.PositiveIntegerField(
        _("target in minutes"),
        null=True,
        blank=True,
        help_text=_("For elapsed and working-hours clocks; one business day is 540 minutes."),
    )
    target_days = models.PositiveIntegerField(_("target in days"), null=True, blank=True)
    target_months = models.PositiveIntegerField(_("target in months"), null=True, blank=True)
    target_count = models.PositiveIntegerField(
        _("threshold count"), null=True, blank=True, help_text=_("Rings, for per-call rules.")
    )
    stop_ko = models.CharField(_("stop condition (Korean)"), max_length=300, blank=True)
    stop_en = models.CharField(_("stop condition (English)"), max_length=300, blank=True)
    stop_purposes = CodeListField(
        _("purposes that keep it"),
        codes=PURPOSE_CHOICES,
        help_text=_("What we tell the customer that keeps the promise."),
    )
    stop_channels = CodeListField(
        _("channels that keep it"),
        codes=CHANNEL_CHOICES,
        help_text=_("How it must be told; none ticked: any channel."),
    )
    stop_on_delivery = models.BooleanField(
        _("e-mail and SMS count once delivered"),
        default=False,
        help_text=_(
            "Ticked: an e-mail or SMS keeps the promise when the gateway accepts it, not when "
            "it is queued."
        ),
    )
    stop_status = models.CharField(
        _("status that stops it"),
        max_length=20,
        blank=True,
        choices=[("resolved", _("Resolved")), ("closed", _("Closed"))],
        help_text=_("E.g. resolved; empty when only a communication stops the clock."),
    )
    reminder_percents = models.JSONField(
        _("reminders (percent of the span)"),
        default=default_reminders,
        blank=True,
        validators=[validate_percents],
    )
    escalation_levels = models.PositiveSmallIntegerField(
        _("escalation levels"),
        default=2,
        help_text=_("0: none; 1: team manager at due; 2: also the division head later."),
    )
    escalation_2_after_minutes = models.PositiveIntegerField(
        _("level-2 escalation after (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: 9 working hours after due, or a quarter of the target for elapsed clocks "
            "shorter than 9 hours."
        ),
    )
    pause_on_waiting = models.BooleanField(_("pauses while waiting on the customer"), default=False)
    urgent = models.BooleanField(_("urgent (SMS first)"), default=False)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if _english() else self.title_ko

    @property
    def promise(self) -> str:
        return self.promise_en if _english() else self.promise_ko

    @property
    def stop(self) -> str:
        return self.stop_en if _english() else self.stop_ko

    @property
    def target_display(self) -> str:
        """The clock in words, e.g. "1 business day (9 working hours)" or "7 days before"."""
        kind, minutes = self.target_kind, self.target_minutes or 0
        span = _span_words(days=self.target_days or 0, months=self.target_months or 0)
        if kind == TargetKind.ELAPSED:
            return _("%(span)s, around the clock") % {"span": _minutes_words(minutes)}
        if kind == TargetKind.BUSINESS_HOURS:
            return _working_time_words(minutes)
        if kind == TargetKind.SAME_BUSINESS_DAY:
            return _("by closing time the same business day")
        if kind == TargetKind.CALENDAR_DAYS:
            return _("within %(span)s") % {"span": span}
        if kind == TargetKind.LEAD_TIME:
            return _("%(span)s before the target") % {"span": span}
        if kind == TargetKind.BY_REQUESTED_DATE:
            return _("by closing time on the requested date")
        if kind == TargetKind.EVERY:
            return _("every %(span)s") % {"span": span}
        if kind == TargetKind.PER_CALL:
            count = self.target_count or 0
            return ngettext(
                "per call (threshold: %(count)s ring)",
                "per call (threshold: %(count)s rings)",
                count,
            ) % {"count": count}
        return _("rule")

    @property
    def starts_clock(self) -> bool:
        return self.target_kind in CLOCK_KINDS

    @property
    def needs_target(self) -> bool:
        return self.target_kind in KINDS_WITH_TARGET

    def clean(self) -> None:
        # A cleared list in the admin arrives as None: it means "none".
        self.reminder_percents = self.reminder_percents or []
        self.stop_purposes = self.stop_purposes or []
        self.stop_channels = self.stop_channels or []
        # A field whose target does not fit the kind says so, rather than that it is too large.
        errors = {**self._limit_errors(), **self._target_errors(), **self._other_errors()}
        if errors:
            raise ValidationError(errors)

    def _target_errors(self) -> dict:
        """Each clock kind uses its own target fields, and needs them."""
        kind = self.target_kind
        uses_minutes = kind in MINUTES_KINDS
        uses_days = kind in SPAN_KINDS or kind == TargetKind.EVERY
        any_days = self.target_days is not None or self.target_months is not None
        rules = [
            (
                "target_minutes",
                uses_minutes and not self.target_minutes,
                _("This clock kind needs a target of at least one minute."),
            ),
            (
                "target_minutes",
                not uses_minutes and self.target_minutes is not None,
                _("Only elapsed and working-hours clocks use minutes."),
            ),
            (
                "target_days",
                kind in SPAN_KINDS and not (self.target_days or self.target_months),
                _("Give a number of days or months greater than zero."),
            ),
            (
                "target_days",
                kind == TargetKind.EVERY and not self.target_days,
                _("A recurring clock needs a period of at least one day."),
            ),
            (
                "target_days",
                not uses_days and any_days,
                _("Only calendar, lead-time and recurring clocks use days or months."),
            ),
            (
                "target_count",
                kind == TargetKind.PER_CALL and not self.target_count,
                _("A per-call rule needs a threshold greater than zero."),
            ),
            (
                "target_count",
                kind != TargetKind.PER_CALL and self.target_count is not None,
                _("Only per-call rules use a threshold count."),
            ),
            (
                "pause_on_waiting",
                self.pause_on_waiting and kind not in PAUSABLE_KINDS,
                _(
                    "Only clocks that count time from a start can pause; this one depends on a "
                    "target instant or has no clock."
                ),
            ),
        ]
        return {name: message for name, broken, message in rules if broken}

    def _limit_errors(self) -> dict:
        """A promise spans a year at most; far larger numbers would overflow the clock
        arithmetic."""
        longest = {
            "target_minutes": (
                250 * 9 * 60 if self.target_kind == TargetKind.BUSINESS_HOURS else 366 * 24 * 60
            ),
            "target_days": 366,
            "target_months": 12,
            "escalation_2_after_minutes": 366 * 24 * 60,
        }
        return {
            name: _("At most %(limit)s: a promise spans a year at most.") % {"limit": limit}
            for name, limit in longest.items()
            if getattr(self, name) is not None and getattr(self, name) > limit
        }

    def _other_errors(self) -> dict:
        """Escalation levels, the service's division, and reminders only where a clock runs."""
        rules = [
            (
                "escalation_levels",
                self.escalation_levels > 2,
                _("There are two escalation levels at most."),
            ),
            (
                "service",
                self.service_id
                and self.division_id
                and self.service.division_id != self.division_id,
                _("The service must belong to the commitment's division."),
            ),
            (
                "reminder_percents",
                self.target_kind in {TargetKind.RULE, TargetKind.PER_CALL}
                and self.reminder_percents,
                _("A rule without a clock has no reminders."),
            ),
            (
                "stop_on_delivery",
                self.stop_on_delivery
                and self.stop_channels
                and not set(self.stop_channels) & set(OUTBOX_CHANNELS),
                _("Only e-mail and SMS are delivered: tick one of them, or untick this."),
            ),
        ]
        return {name: message for name, broken, message in rules if broken}


def _working_time_words(minutes: int) -> str:
    hours = minutes / 60
    hours_words = ngettext(
        "%(hours)s working hour", "%(hours)s working hours", math.ceil(hours)
    ) % {"hours": f"{hours:g}"}
    if minutes and minutes % BUSINESS_DAY_MINUTES == 0:
        days = minutes // BUSINESS_DAY_MINUTES
        days_words = ngettext("%(n)s business day", "%(n)s business days", days) % {"n": days}
        return f"{days_words} ({hours_words})"
    return hours_words


def _minutes_words(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def _span_words(*, days: int, months: int) -> str:
    if months:
        return ngettext("%(n)s month", "%(n)s months", months) % {"n": months}
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}


def _english() -> bool:
    return (get_language() or "ko").startswith("en")
