"""Business-time arithmetic for commitment clocks (SPEC §3 "Business time").

Pure Python, no Django: every function takes a :class:`WorkCalendar` (or only datetimes) and
returns timezone-aware datetimes in the calendar's time zone.  Internally all comparisons and
subtractions are done in UTC, because Python compares and subtracts two datetimes that share a
``tzinfo`` by their wall-clock values, which is wrong across DST changes (harmless for
Asia/Seoul, but the calendar accepts any zone).

Working intervals are half-open ``[opening, closing)``: an instant at closing is not working
time, yet a count of working time that runs out exactly at closing is due *at* that closing.
"""

from __future__ import annotations

import calendar as _gregorian
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

#: The portal's zone: times are shown in it, and a date means that day in it (SPEC §3).
SEOUL = ZoneInfo("Asia/Seoul")

HOLIDAY_SOURCES = ("KR", "XKRX", "NONE")

#: Hard bound on every open-ended search, so a calendar without any working time (or a
#: business count of several years) fails with ValueError instead of looping forever.
MAX_SEARCH_DAYS = 3 * 366

#: The years whose holidays the calendars know (the ``holidays`` package's KR and XKRX tables).
#: Outside them a due instant would silently ignore holidays, or overflow near year 1 or 9999.
SUPPORTED_YEARS = range(2000, 2101)

_NINE_TO_SIX = (time(9), time(18))
DEFAULT_HOURS: tuple[tuple[time, time] | None, ...] = (_NINE_TO_SIX,) * 5 + (None, None)
_ZERO = timedelta(0)


@functools.lru_cache(maxsize=256)
def _holiday_table(source: str, year: int) -> Mapping[date, str]:
    """Holidays of one (source, year), loaded once per process.

    The ``holidays`` objects expand themselves on every lookup of an unseen year, so we copy
    the result into a plain dict.  Names are Korean (``language="ko"``) because the package's
    default output language follows the process locale.
    """
    if source == "KR":
        table = holidays.country_holidays("KR", years=year, language="ko")
    elif source == "XKRX":
        table = holidays.financial_holidays("XKRX", years=year, language="ko")
    else:
        return {}
    return dict(table)


@dataclass(frozen=True)
class Closure:
    """A manual closure.  No start and no end: the whole day.  Only one of them: the day is
    closed from the start of the day / until the end of the day."""

    day: date
    start: time | None = None
    end: time | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError(f"closure on {self.day}: start must be before end")


@dataclass(frozen=True)
class WorkCalendar:
    """Time zone, weekly hours (Monday..Sunday), holiday source and manual closures."""

    tz_name: str = "Asia/Seoul"
    hours: tuple[tuple[time, time] | None, ...] = DEFAULT_HOURS
    holiday_source: str = "KR"
    closures: tuple[Closure, ...] = ()
    #: Holidays copied from the source for ``frozen_years`` (first, last), so a clock keeps the
    #: holidays it was computed with even when the ``holidays`` package is upgraded later.
    frozen_holidays: tuple[tuple[date, str], ...] = ()
    frozen_years: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz_name!r}") from exc
        if self.holiday_source not in HOLIDAY_SOURCES:
            raise ValueError(f"holiday_source must be one of {HOLIDAY_SOURCES}")
        if len(self.hours) != 7:
            raise ValueError("hours needs 7 entries, Monday..Sunday")
        hours = tuple(None if h is None else (h[0], h[1]) for h in self.hours)
        for entry in hours:
            if entry is not None and not entry[0] < entry[1]:
                raise ValueError("opening must be before closing")
        # Coerce lists to tuples so the calendar stays hashable (it is a cache key).
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "closures", tuple(self.closures))
        frozen = tuple((day, name) for day, name in self.frozen_holidays)
        object.__setattr__(self, "frozen_holidays", frozen)
        if self.frozen_years is not None:
            object.__setattr__(self, "frozen_years", tuple(self.frozen_years))
        object.__setattr__(self, "_frozen_table", dict(frozen))
        # Calendars are cache keys on every per-day lookup; hash the fields once, not each time.
        object.__setattr__(
            self,
            "_hash",
            hash(
                (
                    self.tz_name,
                    self.hours,
                    self.holiday_source,
                    self.closures,
                    self.frozen_holidays,
                    self.frozen_years,
                )
            ),
        )

    def __hash__(self) -> int:
        return self._hash

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    def holiday_name(self, day: date) -> str | None:
        if self.frozen_years and self.frozen_years[0] <= day.year <= self.frozen_years[1]:
            return self._frozen_table.get(day)
        return _holiday_table(self.holiday_source, day.year).get(day)

    def with_frozen_holidays(self, first_year: int, last_year: int) -> WorkCalendar:
        """This calendar with the source's holidays of those years copied in."""
        days = sorted(
            (day, name)
            for year in range(first_year, last_year + 1)
            for day, name in _holiday_table(self.holiday_source, year).items()
        )
        return replace(self, frozen_holidays=tuple(days), frozen_years=(first_year, last_year))

    def is_business_day(self, day: date) -> bool:
        return bool(_utc_intervals(self, day))

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (o.astimezone(self.tz), c.astimezone(self.tz)) for o, c in _utc_intervals(self, day)
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form; a clock stores it to keep the calendar it was computed with."""
        return {
            "tz_name": self.tz_name,
            "hours": [None if h is None else [_fmt(h[0]), _fmt(h[1])] for h in self.hours],
            "holiday_source": self.holiday_source,
            "closures": [
                {
                    "day": c.day.isoformat(),
                    "start": _fmt(c.start),
                    "end": _fmt(c.end),
                    "reason": c.reason,
                }
                for c in self.closures
            ],
            **(
                {
                    "frozen_years": list(self.frozen_years),
                    "frozen_holidays": {d.isoformat(): n for d, n in self.frozen_holidays},
                }
                if self.frozen_years
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkCalendar:
        hours = data.get("hours")
        closures = [
            Closure(
                date.fromisoformat(c["day"]),
                _parse(c.get("start")),
                _parse(c.get("end")),
                c.get("reason", ""),
            )
            for c in data.get("closures", ())
        ]
        return cls(
            tz_name=data.get("tz_name", "Asia/Seoul"),
            hours=DEFAULT_HOURS
            if hours is None
            else tuple(
                None if h is None else (time.fromisoformat(h[0]), time.fromisoformat(h[1]))
                for h in hours
            ),
            holiday_source=data.get("holiday_source", "KR"),
            closures=tuple(closures),
            frozen_holidays=tuple(
                (date.fromisoformat(day), name)
                for day, name in (data.get("frozen_holidays") or {}).items()
            ),
            frozen_years=tuple(data["frozen_years"]) if data.get("frozen_years") else None,
        )


def _fmt(t: time | None) -> str | None:
    if t is None:
        return None
    return t.isoformat(timespec="minutes") if not (t.second or t.microsecond) else t.isoformat()


def _parse(text: str | None) -> time | None:
    return None if text is None else time.fromisoformat(text)


# --- per-day building blocks -------------------------------------------------------------

_Span = tuple[datetime, datetime]  # naive local wall-clock datetimes


def _subtract(spans: list[_Span], cut: _Span) -> list[_Span]:
    out: list[_Span] = []
    for lo, hi in spans:
        if lo < min(hi, cut[0]):
            out.append((lo, min(hi, cut[0])))
        if max(lo, cut[1]) < hi:
            out.append((max(lo, cut[1]), hi))
    return out


def _minus(spans: list[_Span], cuts: list[_Span]) -> list[_Span]:
    for cut in cuts:
        spans = _subtract(spans, cut)
    return spans


def _intersect(spans: list[_Span], cut: _Span) -> list[_Span]:
    pieces = [(max(lo, cut[0]), min(hi, cut[1])) for lo, hi in spans]
    return [(lo, hi) for lo, hi in pieces if lo < hi]


def _whole_day(day: date) -> _Span:
    return datetime.combine(day, time(0)), datetime.combine(day + timedelta(days=1), time(0))


def _closure_span(closure: Closure) -> _Span:
    """Missing start/end mean the start/end of the day."""
    lo, hi = _whole_day(closure.day)
    if closure.start is not None:
        lo = datetime.combine(closure.day, closure.start)
    if closure.end is not None:
        hi = datetime.combine(closure.day, closure.end)
    return lo, hi


def _closures_on(cal: WorkCalendar, day: date) -> list[Closure]:
    return [closure for closure in cal.closures if closure.day == day]


def _base_spans(cal: WorkCalendar, day: date) -> list[_Span]:
    """The weekly hours of the day in local wall time, ignoring holidays and closures."""
    entry = cal.hours[day.weekday()]
    return (
        []
        if entry is None
        else [(datetime.combine(day, entry[0]), datetime.combine(day, entry[1]))]
    )


def _local_spans(cal: WorkCalendar, day: date) -> list[_Span]:
    """Weekly hours minus manual closures ([] on a public/exchange holiday)."""
    if cal.holiday_name(day) is not None:
        return []
    return _minus(_base_spans(cal, day), [_closure_span(c) for c in _closures_on(cal, day)])


def _to_utc(cal: WorkCalendar, naive: datetime) -> datetime:
    return naive.replace(tzinfo=cal.tz).astimezone(UTC)


@functools.lru_cache(maxsize=8192)
def _utc_intervals(cal: WorkCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """Working intervals of a local day as UTC datetimes; cached because every walk below
    revisits the same days again and again."""
    return tuple((_to_utc(cal, lo), _to_utc(cal, hi)) for lo, hi in _local_spans(cal, day))


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


def _local_date(cal: WorkCalendar, at_utc: datetime) -> date:
    return at_utc.astimezone(cal.tz).date()


def _walk(cal: WorkCalendar, at_utc: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals (UTC) from `at_utc` on, the first clipped to start at it.

    Raises ValueError after MAX_SEARCH_DAYS days so callers cannot loop forever."""
    first = _local_date(cal, at_utc)
    for offset in range(MAX_SEARCH_DAYS + 1):
        for lo, hi in _utc_intervals(cal, first + timedelta(days=offset)):
            if hi > at_utc:
                yield max(lo, at_utc), hi
    raise ValueError(f"no working time within {MAX_SEARCH_DAYS} days of {at_utc.isoformat()}")


def _days_between(cal: WorkCalendar, a_utc: datetime, b_utc: datetime) -> Iterator[date]:
    """Local days that [a, b) touches; none when b <= a."""
    if b_utc <= a_utc:
        return
    day, last = _local_date(cal, a_utc), _local_date(cal, b_utc)
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- target kinds ------------------------------------------------------------------------


def elapsed(start: datetime, duration: timedelta) -> datetime:
    """start + duration of real (24x7) time, in the tz of `start`."""
    start_utc = _require_aware(start, "start")
    if duration < _ZERO:
        raise ValueError("duration must not be negative")
    return (start_utc + duration).astimezone(start.tzinfo)


def business_hours(calendar: WorkCalendar, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of working time has passed since `start`."""
    remaining = duration
    if remaining <= _ZERO:
        raise ValueError("business duration must be positive")
    for lo, hi in _walk(calendar, _require_aware(start, "start")):
        if remaining <= hi - lo:  # `<=`: running out exactly at closing is due at closing
            return (lo + remaining).astimezone(calendar.tz)
        remaining -= hi - lo
    raise AssertionError("unreachable: _walk raises when exhausted")  # pragma: no cover


def same_business_day(calendar: WorkCalendar, start: datetime) -> datetime:
    """Last closing of the start's day if start is before it, else of the next business day."""
    start_utc = _require_aware(start, "start")
    first = _local_date(calendar, start_utc)
    for offset in range(MAX_SEARCH_DAYS + 1):
        intervals = _utc_intervals(calendar, first + timedelta(days=offset))
        if intervals and start_utc < intervals[-1][1]:
            return intervals[-1][1].astimezone(calendar.tz)
    raise ValueError(f"no business day within {MAX_SEARCH_DAYS} days")


def _add_months(moment: datetime, months: int) -> datetime:
    """Shift by calendar months, clamping the day to the target month's last day."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    last_day = _gregorian.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def _shift(
    cal: WorkCalendar, at: datetime, sign: int, days: int, weeks: int, months: int
) -> datetime:
    if min(days, weeks, months) < 0:
        raise ValueError("days, weeks and months must not be negative")
    _require_aware(at, "instant")
    local = at.astimezone(cal.tz)
    # Months first (clamped), then days: local wall-clock arithmetic, never moved off holidays.
    moved = _add_months(local, sign * months) + sign * timedelta(days=days + 7 * weeks)
    return moved.astimezone(UTC).astimezone(cal.tz)  # normalise a wall time inside a DST gap


def calendar_days(
    calendar: WorkCalendar, start: datetime, *, days: int = 0, weeks: int = 0, months: int = 0
) -> datetime:
    """start + N months/weeks/days in local wall-clock time (Mar 31 + 1 month = Apr 30)."""
    return _shift(calendar, start, 1, days, weeks, months)


def lead_time(
    calendar: WorkCalendar, target: datetime, *, days: int = 0, weeks: int = 0, months: int = 0
) -> datetime:
    """target - lead in calendar terms (Mar 31 - 1 month = Feb 28/29); depends only on target."""
    return _shift(calendar, target, -1, days, weeks, months)


def by_requested_date(calendar: WorkCalendar, requested: date) -> datetime:
    """Closing of the requested date, or of the last business day before it."""
    for offset in range(MAX_SEARCH_DAYS + 1):
        intervals = _utc_intervals(calendar, requested - timedelta(days=offset))
        if intervals:
            return intervals[-1][1].astimezone(calendar.tz)
    raise ValueError(f"no business day within {MAX_SEARCH_DAYS} days before {requested}")


def every(
    start: datetime,
    period: timedelta,
    *,
    previous_due: datetime | None = None,
    last_progress: datetime | None = None,
) -> datetime:
    """Next due of a recurring clock.

    The first due is ``start + period``.  After that the base is ``last_progress`` when one is
    given (the caller passes only a progress recorded after the previous due was set), else
    ``previous_due``; the due is ``base + period``.  The period is added in the base's own wall
    clock, so "every 15 days" keeps the time of day.
    """
    if period <= _ZERO:
        raise ValueError("period must be positive")
    _require_aware(start, "start")
    base = last_progress if last_progress is not None else previous_due
    base = start if base is None else base
    _require_aware(base, "previous_due/last_progress")
    return (base + period).astimezone(UTC).astimezone(base.tzinfo)


# --- queries -----------------------------------------------------------------------------


def working_time_between(calendar: WorkCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time inside [a, b); zero when b <= a."""
    a_utc, b_utc = _require_aware(a, "a"), _require_aware(b, "b")
    total = _ZERO
    for day in _days_between(calendar, a_utc, b_utc):
        for lo, hi in _utc_intervals(calendar, day):
            total += max(_ZERO, min(hi, b_utc) - max(lo, a_utc))
    return total


def next_working_instant(calendar: WorkCalendar, at: datetime) -> datetime:
    """`at` itself if it is working time, else the next opening."""
    lo, _ = next(_walk(calendar, _require_aware(at, "at")))
    return lo.astimezone(calendar.tz)


def is_working_instant(calendar: WorkCalendar, at: datetime) -> bool:
    at_utc = _require_aware(at, "at")
    intervals = _utc_intervals(calendar, _local_date(calendar, at_utc))
    return any(lo <= at_utc < hi for lo, hi in intervals)


@dataclass(frozen=True)
class Skipped:
    """One stretch of non-working time between a start and its due instant."""

    start: datetime
    end: datetime
    reason: str  # "holiday" | "weekend" | "closed_hours" | "closure"
    label: str  # holiday name, closure reason, or ""


def _day_gaps(cal: WorkCalendar, day: date) -> list[tuple[_Span, str, str]]:
    """The non-working parts of one local day, each with (reason, label).

    A holiday wins over a weekend so that a Saturday Chuseok is explained as Chuseok; a part
    closed by several overlapping closures is credited to the first one listed."""
    whole = _whole_day(day)
    name = cal.holiday_name(day)
    base = _base_spans(cal, day)
    if name is not None:
        return [(whole, "holiday", name)]
    if not base:
        return [(whole, "weekend", "")]
    gaps = [(span, "closed_hours", "") for span in _minus([whole], base)]
    covered: list[_Span] = []
    for closure in _closures_on(cal, day):
        span = _closure_span(closure)
        pieces = _minus(_intersect(base, span), covered)
        gaps.extend((piece, "closure", closure.reason) for piece in pieces)
        covered.append(span)
    return sorted(gaps)


def explain(calendar: WorkCalendar, start: datetime, due: datetime) -> list[Skipped]:
    """Why `due` is later than plain working time suggests: the non-working stretches in
    [start, due), adjacent stretches with the same reason and label merged."""
    start_utc, due_utc = _require_aware(start, "start"), _require_aware(due, "due")
    result: list[Skipped] = []
    for day in _days_between(calendar, start_utc, due_utc):
        for (lo, hi), reason, label in _day_gaps(calendar, day):
            lo_utc = max(_to_utc(calendar, lo), start_utc)
            hi_utc = min(_to_utc(calendar, hi), due_utc)
            if lo_utc >= hi_utc:
                continue
            lo_local, hi_local = lo_utc.astimezone(calendar.tz), hi_utc.astimezone(calendar.tz)
            last = result[-1] if result else None
            if last and (last.reason, last.label) == (reason, label) and last.end == lo_local:
                result[-1] = Skipped(last.start, hi_local, reason, label)
            else:
                result.append(Skipped(lo_local, hi_local, reason, label))
    return result
