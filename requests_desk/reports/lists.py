"""The drill-down lists: the rows behind each figure, the same for the page and the exports.

A list is chosen by its kind (the URL) and GET parameters: the period and scope of the
dashboard, plus

- ``clocks``: ``outcome`` = ``started`` | ``met`` | ``breached`` | ``running`` | ``cancelled`` |
  ``breached_stopped`` (given late) | ``given`` (met or given late) | ``outstanding`` (running,
  paused, or breached and not stopped yet) — clocks due in the period —, ``at_risk`` (running,
  due within ``hours`` working hours from now) or ``breached_open`` (breached and still owing,
  whatever the period); optional ``commitment``
  (a catalogue code);
- ``calls``: ``outcome`` = ``all`` | ``within_three`` | ``late`` | ``apology_owed`` |
  ``apology_given`` | ``apology_missing``;
- ``unkind-reports`` (confirmed in the period), ``coupons`` (issued in the period), ``surveys``
  (scores given in the period).

Pages are fetched one row past their size to know whether there is a next one: no count over a
list that can hold a year of clocks.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment
from commitments.subjects import REQUEST_SUBJECT, subject_path
from requests_desk.reports import compliance
from requests_desk.reports.periods import SEOUL, Period
from requests_desk.reports.scopes import Scope

PAGE_SIZE = 50
MAX_PAGE = 100_000  # past it, an offset is no way to read a list: export it
CLOCK_OUTCOMES = (
    "started",
    "met",
    "breached",
    "running",
    "cancelled",
    "breached_stopped",
    "given",
    "outstanding",
    "at_risk",
    "breached_open",
)
CALL_OUTCOMES = ("all", "within_three", "late", "apology_owed", "apology_given", "apology_missing")


class ListError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Column:
    header: Any  # a lazy translation
    value: Callable[[Any], Any]
    link: Callable[[Any], str] | None = None


class SeoulTime(str):
    """An instant as Seoul wall-clock text ("2026-12-02 10:00") that still knows the instant:
    pages and CSV show the text, XLSX stores ``moment`` as a real date-time cell."""

    moment: datetime

    def __new__(cls, value: datetime) -> "SeoulTime":
        local = value.astimezone(SEOUL)
        text = super().__new__(cls, f"{local:%Y-%m-%d %H:%M}")
        text.moment = local.replace(tzinfo=None)
        return text


def seoul(value: datetime | None) -> str:
    return "" if value is None else SeoulTime(value)


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _request_link(request) -> str:
    if request is None:
        return ""
    return subject_path(subject_type=REQUEST_SUBJECT, subject_id=request.pk)


def _clock_state(clock) -> str:
    if clock.state == "breached" and clock.stopped_at is None:
        return str(_("Breached, still open"))
    return str(clock.get_state_display())


CLOCK_COLUMNS = (
    Column(_("Commitment"), lambda c: c.commitment.title if c.commitment else c.commitment_code),
    Column(_("Subject"), lambda c: c.subject_label or c.subject_id, lambda c: c.subject_path),
    Column(_("Division"), lambda c: c.division.name if c.division else ""),
    Column(_("Team"), lambda c: c.team.name if c.team else ""),
    Column(_("Owner"), lambda c: _name(c.owner)),
    Column(_("Started"), lambda c: seoul(c.started_at)),
    Column(_("Due"), lambda c: seoul(c.due_at)),
    Column(_("Stopped"), lambda c: seoul(c.stopped_at)),
    Column(_("State"), _clock_state),
    Column(_("Terms in force since"), lambda c: seoul(c.terms.created_at)),
)
CALL_COLUMNS = (
    Column(_("Received"), lambda c: seoul(c.received_at)),
    Column(_("Caller"), lambda c: c.caller_name),
    Column(_("Division"), lambda c: c.division.name),
    Column(_("Rings"), lambda c: c.rings),
    Column(_("Apologised"), lambda c: str(_("yes") if c.apology_given else _("no"))),
    Column(_("Answered by"), lambda c: _name(c.answered_by)),
    Column(
        _("Request"),
        lambda c: c.request.tracking_code if c.request else "",
        lambda c: _request_link(c.request),
    ),
)
UNKIND_COLUMNS = (
    Column(_("Decided"), lambda r: seoul(r.decided_at)),
    Column(_("Division"), lambda r: r.division.name),
    Column(_("Employee named"), lambda r: r.employee_name),
    Column(_("Occasion"), lambda r: r.occasion),
    Column(_("Request"), lambda r: r.request.tracking_code, lambda r: _request_link(r.request)),
)
COUPON_COLUMNS = (
    Column(_("Issued"), lambda c: seoul(c.issued_at)),
    Column(_("Division"), lambda c: c.division.name),
    Column(_("Coupon code"), lambda c: c.code),
    Column(_("Recipient"), lambda c: c.recipient_name),
    Column(
        _("Request"),
        lambda c: c.report.request.tracking_code,
        lambda c: _request_link(c.report.request),
    ),
)
SURVEY_COLUMNS = (
    Column(_("At"), lambda s: seoul(s.at)),
    Column(_("Source"), lambda s: str(s.get_source_display())),
    Column(_("Division"), lambda s: s.division.name),
    Column(_("Team"), lambda s: s.team.name if s.team else ""),
    Column(_("Score"), lambda s: s.score),
    Column(_("Comment"), lambda s: s.comment),
    Column(
        _("Request"),
        lambda s: s.request.tracking_code if s.request else "",
        lambda s: _request_link(s.request),
    ),
)


@dataclass
class DrillDown:
    kind: str
    title: str
    columns: tuple[Column, ...]
    rows: QuerySet

    def values(self, row) -> list[Any]:
        return [column.value(row) for column in self.columns]

    def cells(self, row) -> list[tuple[Any, str]]:
        return [
            (column.value(row), column.link(row) if column.link else "") for column in self.columns
        ]

    def stream(self, chunk_size: int = 2000) -> Iterator[list[Any]]:
        """Every row's values, fetched ``chunk_size`` at a time (a server-side cursor on
        PostgreSQL): an export of any length holds one chunk in memory."""
        for row in self.rows.iterator(chunk_size=chunk_size):
            yield self.values(row)


KINDS = ("clocks", "calls", "unkind-reports", "coupons", "surveys")


def drill_down(
    kind: str, *, scope: Scope, period: Period, params, now: datetime, hours: int
) -> DrillDown:
    """The list ``kind`` for these GET ``params``; :class:`ListError` for a bad parameter."""
    if kind == "clocks":
        return _clocks(scope=scope, period=period, params=params, now=now, hours=hours)
    if kind == "calls":
        outcome = params.get("outcome") or "all"
        if outcome not in CALL_OUTCOMES:
            raise ListError("outcome", str(_("Unknown outcome.")))
        titles = {
            "all": _("Calls"),
            "within_three": _("Calls answered within three rings"),
            "late": _("Calls answered after more than three rings"),
            "apology_owed": _("Calls that rang more than four times"),
            "apology_given": _("Late calls with an apology"),
            "apology_missing": _("Late calls without an apology"),
        }
        rows = compliance.period_calls(scope=scope, period=period, outcome=outcome)
        return DrillDown(kind, str(titles[outcome]), CALL_COLUMNS, rows)
    if kind == "unkind-reports":
        rows = compliance.unkind_confirmed(scope=scope, period=period)
        return DrillDown(kind, str(_("Confirmed unkind-service reports")), UNKIND_COLUMNS, rows)
    if kind == "coupons":
        rows = compliance.coupons_issued(scope=scope, period=period)
        return DrillDown(kind, str(_("Gift coupons issued")), COUPON_COLUMNS, rows)
    if kind == "surveys":
        rows = compliance.survey_scores(scope=scope, period=period)
        return DrillDown(kind, str(_("Satisfaction scores")), SURVEY_COLUMNS, rows)
    raise LookupError(kind)


def _clocks(*, scope: Scope, period: Period, params, now: datetime, hours: int) -> DrillDown:
    outcome = params.get("outcome") or "started"
    if outcome not in CLOCK_OUTCOMES:
        raise ListError("outcome", str(_("Unknown outcome.")))
    commitment = None
    if code := params.get("commitment"):
        commitment = Commitment.objects.filter(code=code).first()
        if commitment is None:
            raise ListError("commitment", str(_("There is no commitment with this code.")))
    titles = {
        "started": _("Clocks due in the period"),
        "met": _("Clocks met"),
        "breached": _("Clocks breached"),
        "running": _("Clocks still running"),
        "cancelled": _("Clocks cancelled"),
        "breached_stopped": _("Clocks breached, then stopped late"),
        "given": _("Clocks stopped: in time or late"),
        "outstanding": _("Clocks still owed: running, paused, or breached and not stopped"),
        "at_risk": _("At risk now"),
        "breached_open": _("Breached and still open"),
    }
    if outcome == "at_risk":
        rows = compliance.at_risk_clocks(scope=scope, now=now, hours=hours)
    elif outcome == "breached_open":
        rows = compliance.breached_open_clocks(scope=scope)
    else:
        rows = compliance.period_clocks(
            scope=scope, period=period, outcome=outcome, commitment=None
        )
    if commitment is not None:
        rows = rows.filter(commitment=commitment)
    title = str(titles[outcome])
    if commitment is not None:
        title = f"{title} · {commitment.code}"
    return DrillDown("clocks", title, CLOCK_COLUMNS, rows)


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(rows: QuerySet, number) -> Page:
    """One page of ``rows`` without counting them (one query)."""
    try:
        number = min(max(int(number or 1), 1), MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * PAGE_SIZE
    fetched = list(rows[offset : offset + PAGE_SIZE + 1])
    return Page(rows=fetched[:PAGE_SIZE], number=number, has_next=len(fetched) > PAGE_SIZE)
