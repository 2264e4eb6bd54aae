"""The period a report covers, and the form that chooses it with the scope.

A period is whole Asia/Seoul days ``start`` … ``end`` (inclusive): a month, a quarter, a year,
or a custom range of at most :data:`MAX_DAYS` days. A period that has not begun is refused (there
is nothing to report yet); one that has begun may end in the future (this month so far).
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.business_time import SEOUL
from commitments.models.deadline import AT_RISK_HOURS

MAX_DAYS = 366
FIRST_YEAR, LAST_YEAR = 2000, 2100
KINDS = ("month", "quarter", "year", "custom")


def today() -> date:
    return timezone.now().astimezone(SEOUL).date()


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year | custom
    start: date
    end: date  # inclusive

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=SEOUL)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=SEOUL)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.start.year}"
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def slug(self) -> str:
        """The period in ASCII, for file names: ``2026-11``, ``2026-Q4``, ``2026``,
        ``2026-11-02_2026-11-05``."""
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "custom":
            return f"{self.start:%Y-%m-%d}_{self.end:%Y-%m-%d}"
        return self.label

    def query(self) -> dict[str, str]:
        """The GET parameters that choose this period again."""
        if self.kind == "custom":
            return {
                "period": "custom",
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            }
        return {"period": self.kind, "day": self.start.isoformat()}


def _last_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_containing(kind: str, day: date) -> Period:
    """The month, quarter or year holding ``day`` (no date arithmetic past ``day``'s year, so
    even 9999-12-31 has its period)."""
    if kind == "month":
        start = day.replace(day=1)
        end = _last_of_month(day.year, day.month)
    elif kind == "quarter":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        end = _last_of_month(day.year, start.month + 2)
    elif kind == "year":
        start, end = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        raise ValueError(kind)
    return Period(kind=kind, start=start, end=end)


def last_full(kind: str, *, on: date) -> Period:
    """The last month or quarter that ended before ``on``."""
    return period_containing(kind, period_containing(kind, on).start - timedelta(days=1))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ReportForm(forms.Form):
    """The dashboard's (and every list's) choice of period and scope, from GET parameters.

    ``division`` and ``team`` are codes; whether they exist and whether the user may see them
    is the view's to check (:func:`requests_desk.reports.scopes.scope_for`)."""

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            ("month", _("Month")),
            ("quarter", _("Quarter")),
            ("year", _("Year")),
            ("custom", _("Custom range")),
        ],
    )
    day = forms.DateField(
        label=_("Period containing"),
        required=False,
        widget=DateInput(),
        help_text=_("Any day of the month, quarter or year; today when empty."),
    )
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    division = forms.CharField(label=_("Division"), required=False, max_length=40)
    team = forms.CharField(label=_("Team"), required=False, max_length=40)
    hours = forms.IntegerField(
        label=_("At risk within (working hours)"),
        required=False,
        min_value=1,
        max_value=72,
        initial=AT_RISK_HOURS,
        help_text=_("Running clocks due within this many working hours."),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        kind = data.get("period") or "month"
        data["period"] = kind
        if kind == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None:
                self.add_error("start", _("Give the first day of the range."))
            if end is None:
                self.add_error("end", _("Give the last day of the range."))
            if start is None or end is None:
                return data
            if start > end:
                self.add_error("end", _("The last day must be on or after the first day."))
                return data
            if (end - start).days + 1 > MAX_DAYS:
                self.add_error(
                    "end", _("A custom range covers at most a year (366 days); shorten it.")
                )
                return data
        field = "start" if kind == "custom" else "day"
        # The years are checked before any date arithmetic (none can overflow past them).
        first, last = (start, end) if kind == "custom" else (data.get("day") or today(),) * 2
        if first.year < FIRST_YEAR or last.year > LAST_YEAR:
            self.add_error(field, _("Choose a period between 2000 and 2100."))
            return data
        if kind == "custom":
            period = Period(kind="custom", start=start, end=end)
        else:
            period = period_containing(kind, first)
        if period.start > today():
            self.add_error(
                field,
                _(
                    "This period has not begun yet: there is nothing to report. Choose one that "
                    "has begun."
                ),
            )
            return data
        data["period_obj"] = period
        data["hours"] = data.get("hours") or AT_RISK_HOURS
        return data
