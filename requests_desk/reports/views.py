"""The report pages: thin views over :mod:`.compliance`, :mod:`.lists` and :mod:`.exports`.

URL names (namespace ``reports``): ``dashboard``, ``list`` (kind), ``list-export`` (kind,
fmt), ``monthly``, ``monthly-export`` (fmt); and ``scorecard`` (public, at the site root).
Every view answers a ``Server-Timing: app;dur=<ms>`` header (the time to build the response;
for a streamed export, the time to its first byte).
"""

import functools
import logging
import time
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from commitments.models.deadline import AT_RISK_HOURS
from commitments.vocabulary import ABSENT_CALLBACK, COMPLAINT_FEEDBACK
from requests_desk.reports import compliance, exports
from requests_desk.reports.charts import trend_chart
from requests_desk.reports.lists import KINDS, ListError, drill_down, page_of
from requests_desk.reports.periods import (
    FIRST_YEAR,
    ReportForm,
    last_full,
    period_containing,
    today,
)
from requests_desk.reports.scopes import ScopeError, may_use_reports, scope_choices, scope_for

logger = logging.getLogger(__name__)

SCORECARD_CACHE_SECONDS = 300


def server_timing(view):
    @functools.wraps(view)
    def timed(request, *args, **kwargs):
        started = time.perf_counter()
        response = view(request, *args, **kwargs)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    return timed


REPORTS_ARE_FOR_MANAGERS = gettext_lazy(
    "The reports are open to team managers, division heads and administrators. Your own cases "
    "and their clocks are in your queue."
)


def report_view(view):
    """Anonymous visitors go to the login page; people who are not managers get a 403."""

    @server_timing
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_use_reports(request.user):
            raise PermissionDenied(REPORTS_ARE_FOR_MANAGERS)
        return view(request, *args, **kwargs)

    return wrapped


class _Choice:
    """What the GET parameters chose: period, scope and the at-risk horizon — or a bound form
    with errors."""

    def __init__(self, request):
        self.form = ReportForm(request.GET)
        self.scope = self.period = None
        self.hours = None
        if self.form.is_valid():
            data = self.form.cleaned_data
            try:
                self.scope = scope_for(request.user, division=data["division"], team=data["team"])
            except ScopeError as error:
                self.form.add_error(error.field, error.message)
            else:
                self.period, self.hours = data["period_obj"], data["hours"]

    @property
    def ok(self) -> bool:
        return self.scope is not None

    def query(self, **extra) -> str:
        params = {**self.period.query(), **self.scope.query()}
        if self.hours != AT_RISK_HOURS:
            params["hours"] = self.hours
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


def _form_context(request, choice: _Choice) -> dict:
    divisions, teams = scope_choices(request.user)
    return {"form": choice.form, "divisions": divisions, "teams": teams, "choice": choice}


def _bad(request, template: str, choice: _Choice, **context):
    return render(request, template, {**_form_context(request, choice), **context}, status=400)


@report_view
def dashboard(request):
    choice = _Choice(request)
    if not choice.ok:
        return _bad(request, "reports/dashboard.html", choice)
    now = timezone.now()
    board = compliance.dashboard(
        scope=choice.scope, period=choice.period, now=now, hours=choice.hours
    )
    list_url = reverse("reports:list", args=["clocks"])

    def clocks(outcome: str, code: str = "") -> str:
        return f"{list_url}?{choice.query(outcome=outcome, commitment=code)}"

    def other(kind: str, outcome: str = "") -> str:
        return f"{reverse('reports:list', args=[kind])}?{choice.query(outcome=outcome)}"

    outcomes = ("started", "met", "breached", "running", "cancelled")
    owed = ("met", "breached_stopped", "given", "outstanding")
    rows = [(row, {o: clocks(o, row.code) for o in outcomes}) for row in board.commitments]
    links = {
        "totals": {o: clocks(o) for o in outcomes},
        "at_risk": clocks("at_risk"),
        "breached_open": clocks("breached_open"),
        "calls": {
            o: other("calls", o)
            for o in ("all", "within_three", "apology_owed", "apology_given", "apology_missing")
        },
        "callbacks": {o: clocks(o, ABSENT_CALLBACK) for o in owed},
        "feedback": {o: clocks(o, COMPLAINT_FEEDBACK) for o in owed},
        "unkind": other("unkind-reports"),
        "coupons": other("coupons"),
        "surveys": other("surveys"),
        "monthly": f"{reverse('reports:monthly')}?{choice.query()}",
    }
    return render(
        request,
        "reports/dashboard.html",
        {
            **_form_context(request, choice),
            "board": board,
            "rows": rows,
            "empty_rows": [row for row in board.commitments if row.is_empty],
            "links": links,
            "chart": trend_chart(board.trend, link=_trend_link(choice)),
        },
    )


def _trend_link(choice: _Choice):
    """A week of the trend → its clocks met or breached: the week as a custom period (up to
    the last day the trend counted), in the same scope; None before 2000 (no such period)."""
    list_url = reverse("reports:list", args=["clocks"])

    def link(point, outcome: str) -> str:
        period = point.period
        if period.start.year < FIRST_YEAR:
            return ""
        params = {**period.query(), **choice.scope.query(), "outcome": outcome}
        return f"{list_url}?{urlencode(params)}"

    return link


def _drill_down(request, kind: str, choice: _Choice):
    if kind not in KINDS:
        raise Http404
    return drill_down(
        kind,
        scope=choice.scope,
        period=choice.period,
        params=request.GET,
        now=timezone.now(),
        hours=choice.hours,
    )


def _listing(request, kind: str, choice: _Choice):
    """The drill-down list asked for, or None when it is refused (the reasons on the form)."""
    if not choice.ok:
        return None
    try:
        return _drill_down(request, kind, choice)
    except ListError as error:
        choice.form.add_error(None, error.message)
        return None


@report_view
def list_view(request, kind: str):
    choice = _Choice(request)
    if kind not in KINDS:
        raise Http404
    listing = _listing(request, kind, choice)
    if listing is None:
        return _bad(request, "reports/list.html", choice, kind=kind)
    page = page_of(listing.rows, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)

    def export(fmt: str) -> str:
        return f"{reverse('reports:list-export', args=[kind, fmt])}?{query.urlencode()}"

    return render(
        request,
        "reports/list.html",
        {
            **_form_context(request, choice),
            "kind": kind,
            "listing": listing,
            "headers": [str(column.header) for column in listing.columns],
            "page": page,
            "cells": [listing.cells(row) for row in page.rows],
            "query": query.urlencode(),
            "csv_url": export("csv"),
            "xlsx_url": export("xlsx"),
            "dashboard_url": f"{reverse('reports:dashboard')}?{choice.query()}",
        },
    )


@report_view
def list_export(request, kind: str, fmt: str):
    choice = _Choice(request)
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        raise Http404
    listing = _listing(request, kind, choice)
    if listing is None:
        return _bad(request, "reports/list.html", choice, kind=kind)
    header = [str(column.header) for column in listing.columns]
    filename = f"{kind}-{choice.period.slug}"
    if fmt == "csv":
        return exports.csv_response(filename, header, listing.stream())
    return exports.xlsx_response(filename, [(listing.title, header, listing.stream())])


def _monthly(choice: _Choice):
    period = period_containing("month", choice.period.start)
    return compliance.dashboard(
        scope=choice.scope, period=period, now=timezone.now(), hours=choice.hours
    )


@report_view
def monthly(request):
    choice = _Choice(request)
    if not choice.ok:
        return _bad(request, "reports/monthly.html", choice)
    board = _monthly(choice)
    return render(
        request,
        "reports/monthly.html",
        {
            **_form_context(request, choice),
            "board": board,
            "chart": trend_chart(board.trend, link=_trend_link(choice)),
            "csv_url": f"{reverse('reports:monthly-export', args=['csv'])}?{choice.query()}",
            "xlsx_url": f"{reverse('reports:monthly-export', args=['xlsx'])}?{choice.query()}",
        },
    )


def _pct(value) -> str:
    return "" if value is None else f"{value:.1f}"


def _percentile(value) -> str:
    if value is None:
        return ""
    return f">{value.value:.0f}" if value.above else f"{value.value:.0f}"


def monthly_tables(board) -> list[tuple[str, list[str], list[list]]]:
    """The monthly report as (sheet title, header, rows) tables, for CSV and XLSX."""
    commitments = (
        _("Commitments"),
        [
            _("Commitment"),
            _("Title"),
            pgettext("report column", "Target"),
            pgettext("report column", "Started"),
            _("Met"),
            _("Breached"),
            _("Still running"),
            _("Cancelled"),
            _("Compliance %"),
            _("Median time to stop (percent of target)"),
            _("90th percentile (percent of target)"),
        ],
        [
            [
                row.code,
                row.commitment.title,
                row.targets,
                row.started,
                row.met,
                row.breached,
                row.running,
                row.cancelled,
                _pct(row.compliance),
                _percentile(row.median),
                _percentile(row.p90),
            ]
            for row in board.commitments
        ],
    )
    phone, complaints, surveys = board.phone, board.complaints, board.surveys
    voice = (
        _("Phone and voice"),
        [_("Figure"), _("Value")],
        [
            [_("Calls"), phone.calls],
            [_("Answered within three rings"), phone.within_three],
            [_("Answered within three rings (%)"), _pct(phone.within_three_share)],
            [_("Rang more than four times"), phone.apology_owed],
            [_("Apology given"), phone.apology_given],
            [_("Apology compliance (%)"), _pct(phone.apology_share)],
            *_owed_rows(
                phone.callbacks,
                (
                    _("Call-backs in time"),
                    _("Call-backs made late"),
                    _("Call-backs still owed"),
                ),
            ),
            *_owed_rows(
                complaints.feedback,
                (
                    _("Manager feedback given in time"),
                    _("Manager feedback given late"),
                    _("Manager feedback outstanding"),
                ),
            ),
            [_("Confirmed unkind-service reports"), complaints.unkind_confirmed],
            [_("Gift coupons issued"), complaints.coupons],
            [_("Satisfaction scores"), surveys.count],
            [_("Average score"), "" if surveys.average is None else f"{surveys.average:.2f}"],
        ],
    )
    terms = (
        _("Terms in force"),
        [
            _("Commitment"),
            _("Terms"),
            pgettext("report column", "Target"),
            _("Calendar"),
            _("Holidays"),
            _("Version"),
        ],
        [
            [row.code, t.digest, t.target, t.calendar_code, t.holiday_source, t.version or ""]
            for row in board.commitments
            for t in row.terms
        ],
    )
    return [commitments, voice, terms]


def _owed_rows(figures, labels: tuple[str, str, str]) -> list[list]:
    """In time / late / still owed for a clock of the period (empty: no such commitment)."""
    if figures is None:
        return []
    in_time, late, owed = labels
    return [
        [in_time, figures.met],
        [late, figures.breached_stopped],
        [owed, figures.outstanding],
    ]


@report_view
def monthly_export(request, fmt: str):
    choice = _Choice(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if not choice.ok:
        return _bad(request, "reports/monthly.html", choice)
    board = _monthly(choice)
    tables = monthly_tables(board)
    filename = f"monthly-{board.period.slug}"
    if fmt == "xlsx":
        return exports.xlsx_response(filename, tables)

    def rows():
        for title, header, body in tables:
            yield [title]
            yield header
            yield from body
            yield []

    header = [f"{_('Monthly SLA report')} {board.period.label}", board.scope.label]
    return exports.csv_response(filename, header, rows())


@server_timing
def scorecard(request):
    """The public charter scorecard: compliance per commitment, company-wide, for the last full
    month and quarter. Aggregates only; cached for a few minutes."""
    day = today()
    month, quarter = last_full("month", on=day), last_full("quarter", on=day)
    key = f"reports:scorecard:{get_language()}:{month.start}:{quarter.start}"

    def build():
        by_month = compliance.company_compliance(period=month)
        by_quarter = {r.code: r for r in compliance.company_compliance(period=quarter)}
        return [
            {
                "code": row.code,
                "title": row.commitment.title,
                "target": row.targets,
                "month": _figures(row),
                "quarter": _figures(by_quarter[row.code]),
            }
            for row in by_month
            if not (row.is_empty and by_quarter[row.code].is_empty)
        ]

    try:
        rows = cache.get_or_set(key, build, SCORECARD_CACHE_SECONDS)
    except Exception:  # the shared cache (Redis) is down: the page is built without it
        logger.warning("scorecard: the cache is unreachable; built without it", exc_info=True)
        rows = build()
    return render(
        request, "reports/scorecard.html", {"rows": rows, "month": month, "quarter": quarter}
    )


def _figures(row) -> dict:
    return {"met": row.met, "breached": row.breached, "compliance": row.compliance}
