"""Business calendars: working hours per weekday, a holiday source and manual closures."""

import time
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments import business_time


class HolidaySource(models.TextChoices):
    KR = "KR", _("Korean public holidays (KR)")
    XKRX = "XKRX", _("Korea Exchange closures (XKRX)")
    NONE = "NONE", _("No holidays")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(value)s” is not a known time zone."), params={"value": value}
        ) from None


class Calendar(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Seoul", validators=[validate_time_zone]
    )
    holiday_source = models.CharField(
        _("holiday source"), max_length=8, choices=HolidaySource.choices, default=HolidaySource.KR
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return f"{self.name_ko} ({self.code})"

    @property
    def name(self) -> str:
        """The name in the active language (Korean unless English is active)."""
        return self.name_en if (get_language() or "ko").startswith("en") else self.name_ko

    def to_work_calendar(self) -> business_time.WorkCalendar:
        """The pure calendar the arithmetic works on; two queries, then no database at all."""
        hours: list[tuple | None] = [None] * 7
        for row in self.working_hours.all():
            hours[row.weekday] = (row.opens, row.closes)
        closures = tuple(
            business_time.Closure(day=c.day, start=c.start, end=c.end, reason=c.reason)
            for c in self.closures.all()
        )
        return business_time.WorkCalendar(
            tz_name=self.time_zone,
            hours=tuple(hours),
            holiday_source=self.holiday_source,
            closures=closures,
        )


class WorkingHours(models.Model):
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.CASCADE,
        related_name="working_hours",
        verbose_name=_("calendar"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["calendar", "weekday"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "weekday"], name="one_hours_row_per_day"),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="closes_after_opens"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class Closure(models.Model):
    """A day or part of a day an admin closes by hand (a company holiday, an afternoon off)."""

    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="closures", verbose_name=_("calendar")
    )
    day = models.DateField(_("day"))
    start = models.TimeField(_("closed from"), null=True, blank=True)
    end = models.TimeField(_("closed until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["calendar", "day", "start"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(start__isnull=True, end__isnull=True)
                    | models.Q(start__isnull=False, end__isnull=False, end__gt=models.F("start"))
                ),
                name="closure_whole_day_or_valid_span",
            )
        ]

    def __str__(self) -> str:
        if self.is_whole_day:
            return f"{self.day:%Y-%m-%d}"
        return f"{self.day:%Y-%m-%d} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def is_whole_day(self) -> bool:
        return self.start is None and self.end is None

    def overlaps(self, other: "Closure") -> bool:
        if self.day != other.day:
            return False
        if self.is_whole_day or other.is_whole_day:
            return True
        return self.start < other.end and other.start < self.end

    def clean(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValidationError(
                _("Give both the start and the end of a part-day closure, or neither.")
            )
        if self.start is not None and self.end <= self.start:
            raise ValidationError({"end": _("A closure must end after it starts.")})
        if self.calendar_id and self.day:
            others = Closure.objects.filter(calendar_id=self.calendar_id, day=self.day)
            if self.pk:
                others = others.exclude(pk=self.pk)
            if any(self.overlaps(other) for other in others):
                raise ValidationError(
                    _("This closure overlaps another closure of the same calendar on that day.")
                )


#: What changes frozen terms (the catalogue, calendars, their hours and closures) bumps this
#: counter in the shared cache (``commitments.deadlines.forget_frozen_terms``), so every
#: process drops what it remembers of them.
TERMS_VERSION_KEY = "commitments:terms-version"
_WORK_CALENDARS: dict[int, dict[str, business_time.WorkCalendar]] = {}


_UNPINNED = object()
#: The version read once for a unit of work (:func:`terms_version_pinned`), per thread.
_PINNED_VERSION: ContextVar = ContextVar("terms_version_pinned", default=_UNPINNED)


def terms_version() -> int | None:
    """The shared version of the catalogue and the calendars, or None while the shared cache
    cannot be read (Redis down): nothing is then taken from a memory another process may have
    been told to drop. Inside :func:`terms_version_pinned`, the version read when it began."""
    pinned = _PINNED_VERSION.get()
    if pinned is not _UNPINNED:
        return pinned
    try:
        version = cache.get(TERMS_VERSION_KEY)
        if version is None:
            cache.add(TERMS_VERSION_KEY, time.time_ns(), timeout=None)
            version = cache.get(TERMS_VERSION_KEY)
    except Exception:  # the cache backend's error: an outage costs queries, never a page
        return None
    return version


@contextmanager
def terms_version_pinned():
    """Read the version once for the block (one request's work: a complaint reads the
    catalogue six times) instead of at every look-up; a block inside another keeps the outer
    one's. Values are still read after the version they are remembered under, so what the
    module :mod:`commitments.memo` promises holds; a change of the catalogue inside the block
    (:func:`terms_version_unpin`) ends the memory for the rest of it."""
    if _PINNED_VERSION.get() is not _UNPINNED:
        yield
        return
    token = _PINNED_VERSION.set(terms_version())
    try:
        yield
    finally:
        _PINNED_VERSION.reset(token)


def terms_version_unpin() -> None:
    """The catalogue changed inside a pinned block: nothing is remembered or taken from the
    memory for the rest of it (the rows are read again)."""
    if _PINNED_VERSION.get() is not _UNPINNED:
        _PINNED_VERSION.set(None)


def work_calendars() -> dict[str, business_time.WorkCalendar]:
    """Every calendar as the arithmetic takes it, by code: read once per process while
    :func:`terms_version` stands (three queries and the rows' objects on every desk page
    otherwise), from the database each time while the shared cache cannot be read."""
    version = terms_version()
    if version is not None and (known := _WORK_CALENDARS.get(version)) is not None:
        return known
    calendars = {
        calendar.code: calendar.to_work_calendar()
        for calendar in Calendar.objects.prefetch_related("working_hours", "closures")
    }
    if version is not None:
        _WORK_CALENDARS.clear()
        _WORK_CALENDARS[version] = calendars
    return calendars
