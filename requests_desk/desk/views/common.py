"""What every desk page shares: who may use the desk, the request lookup, and clock rows."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments import decisions
from commitments.access import access_remembered, is_desk_user
from commitments.memo import catalogue_pinned
from commitments.models import Deadline, DeadlineState, RiskHorizon
from commitments.models.deadline import clock_terms_attach
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.cases.selectors import clock_status, requests_visible
from requests_desk.desk.forms import DeskCatalogue, catalogue_attach
from requests_desk.models import CustomerContact, Request

# Worst first: a request's clock state is the worst state among its open clocks.
CLOCK_STATES = ("breached", "at_risk", "on_track")


def desk_view(view):
    """Anonymous visitors go to the login page; logged-in people outside the desk get a 403."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_desk_user(request.user):
            raise PermissionDenied(
                _("The desk is for members of a team. Ask an administrator to add you to one.")
            )
        # The user's divisions and the catalogue's version in the shared cache read once for
        # the page, however many forms, rows and menus ask (four times on the list).
        with access_remembered(request.user), catalogue_pinned():
            return view(request, *args, **kwargs)

    return wrapped


def visible_request_or_404(user, pk: int, *, catalogue: DeskCatalogue | None = None) -> Request:
    """A request the user may see; one of another division is a 404, not a 403 (no leak).

    Not joined: who created it (no page shows it), nor its division, team and service, which
    come from the catalogue remembered (:func:`catalogue_attach`). Eight tables in one query
    cost PostgreSQL 20–30 ms to plan on this machine (the join order searched exhaustively)
    against 4 for seven; the five left take 0.3–0.5 ms."""
    queryset = (
        requests_visible(user)
        .select_related(None)
        .select_related("customer__organisation", "assignee")
        .with_absorbed()
    )
    return catalogue_attach([get_object_or_404(queryset, pk=pk)], catalogue=catalogue)[0]


def owed_clocks_of(requests: QuerySet | list) -> QuerySet:
    """The clocks of these requests that still owe something, in one query (a queryset is
    used as a subquery)."""
    return (
        Deadline.objects.of_subjects(REQUEST_SUBJECT, requests)
        .owing()
        # The terms (a frozen calendar each) are shared: :func:`clocks_by_request` attaches them.
        .with_terms_digest()
        .select_related("commitment")
        # Lists the rows never show: each is JSON decoded per clock (100 a page).
        .defer(
            "steps_done",
            "commitment__reminder_percents",
            "commitment__stop_purposes",
            "commitment__stop_channels",
        )
    )


def rows_of(ids: list[int]) -> list[Request]:
    """The requests of a list's page, in the order of ``ids``, with what the rows show: read by
    primary key (the planner never joins a whole list to show 50 of it), their division, team
    and service from the catalogue remembered rather than joined, and their customers (with
    organisation) by key in a query of their own — joined, a page of 50 rows made PostgreSQL
    hash every contact (5,000) to find 50: 3.4 ms of the rows' 3.8 at 1M, 0.4 ms by key."""
    shown = Request.objects.select_related("assignee").defer("body")
    position = {pk: index for index, pk in enumerate(ids)}
    rows = sorted(shown.filter(pk__in=ids), key=lambda r: position[r.pk])
    customers = CustomerContact.objects.select_related("organisation").in_bulk(
        {row.customer_id for row in rows}
    )
    link = Request.customer.field
    for row in rows:
        link.set_cached_value(row, customers[row.customer_id])
    return catalogue_attach(rows)


@dataclass
class ClockRow:
    """What a row shows about one clock: its state, and the time left in the clock's terms."""

    deadline: Deadline
    status: str  # on_track | at_risk | breached
    left: timedelta  # negative when overdue
    working_time: bool
    paused: bool

    @property
    def label(self) -> str:
        return status_label(self.status)

    @property
    def time_left(self) -> str:
        return time_left_words(self.left, working_time=self.working_time, paused=self.paused)

    @property
    def due_iso(self) -> str:
        """The due instant in the reader's time zone, ISO 8601 (``|date:"c"``)."""
        return timezone.localtime(self.deadline.due_at).isoformat()

    @property
    def due_words(self) -> str:
        """``|date:"Y-m-d (D) H:i"`` without the template engine's date formatter, which
        parsed its format anew for each of a list's 50–100 instants."""
        due = timezone.localtime(self.deadline.due_at)
        return f"{due:%Y-%m-%d} ({WEEKDAYS_ABBR[due.weekday()]}) {due:%H:%M}"


def clock_row(deadline: Deadline, now: datetime, *, horizon: RiskHorizon | None = None) -> ClockRow:
    params, calendar = deadline.params, deadline.work_calendar
    paused = deadline.state == DeadlineState.PAUSED
    # A paused clock keeps the time it had left when it paused.
    reference = deadline.paused_at if paused and deadline.paused_at else now
    if reference <= deadline.due_at:
        left = decisions.span_between(params, calendar, reference, deadline.due_at)
    else:
        left = -decisions.span_between(params, calendar, deadline.due_at, reference)
        if left == timedelta(0):
            # Overdue only by closed hours: still overdue, if by less than a minute of work.
            left = -timedelta(seconds=1)
    return ClockRow(
        deadline=deadline,
        status=clock_status(deadline, now, horizon=horizon),
        left=left,
        working_time=params["kind"] in decisions.BUSINESS_KINDS,
        paused=paused,
    )


@dataclass
class RequestClocks:
    """The clock summary of one request: the nearest owed clock and the worst state."""

    nearest: ClockRow | None = None
    status: str = "none"
    count: int = 0


def clocks_by_request(
    deadlines, now: datetime, *, horizon: RiskHorizon | None = None
) -> dict[int, RequestClocks]:
    summary: dict[int, RequestClocks] = {}
    horizon = horizon or RiskHorizon(now=now)
    for deadline in clock_terms_attach(list(deadlines)):
        row = clock_row(deadline, now, horizon=horizon)
        entry = summary.setdefault(int(deadline.subject_id), RequestClocks())
        entry.count += 1
        if entry.nearest is None or deadline.due_at < entry.nearest.deadline.due_at:
            entry.nearest = row
        if entry.status == "none" or CLOCK_STATES.index(row.status) < CLOCK_STATES.index(
            entry.status
        ):
            entry.status = row.status
    return summary


def status_label(status: str) -> str:
    return {
        "on_track": _("On track"),
        "at_risk": _("At risk"),
        "breached": _("Breached"),
        "none": _("No running clock"),
    }[status]


def duration_words(span: timedelta, *, working_time: bool) -> str:
    """Words like "3 h 20 min"; wall-clock spans of a day or more also count days ("2 d 4 h")."""
    minutes = max(int(abs(span).total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60) if not working_time else (0, minutes)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    # Minutes matter only for spans under a day.
    if (mins and not days) or not parts:
        parts.append(_("%(n)d min") % {"n": mins})
    return " ".join(parts)


def time_left_words(left: timedelta, *, working_time: bool, paused: bool = False) -> str:
    words = duration_words(left, working_time=working_time)
    if left < timedelta(0):
        if working_time:
            return _("overdue by %(span)s of working time") % {"span": words}
        return _("overdue by %(span)s") % {"span": words}
    if paused:
        return _("paused with %(span)s left") % {"span": words}
    if working_time:
        return _("%(span)s of working time left") % {"span": words}
    return _("%(span)s left") % {"span": words}
