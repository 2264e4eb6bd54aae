"""Reads for the desk's pages and API: constant query counts, access enforced in the query."""

from datetime import datetime

from django.db.models import F, Q, QuerySet

from commitments import decisions
from commitments.access import divisions_of
from commitments.models import Deadline, DeadlineState
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.models import Request

# "At risk" once less than this share of the span is left (the last default reminder, 80 %).
AT_RISK_SHARE = 0.2


def requests_visible(user) -> QuerySet[Request]:
    """Requests of the divisions ``user`` may see (all for admins, none for strangers)."""
    return Request.objects.visible_to(divisions_of(user)).select_related(
        "division", "team", "service", "assignee", "customer", "customer__organisation"
    )


def queue_for(user) -> QuerySet[Request]:
    """Open requests assigned to ``user``, and those of ``user``'s teams nobody has taken,
    nearest due first (requests without a running clock last)."""
    mine = Q(assignee=user) | Q(assignee__isnull=True, team__in=user.teams.all())
    return (
        requests_visible(user)
        .open()
        .filter(mine)
        .order_by(F("next_due_at").asc(nulls_last=True), "received_at", "pk")
    )


def clock_status(deadline: Deadline, now: datetime) -> str:
    """ "breached", "at_risk" (past its last reminder, or less than 20 % of the span left), or
    "on_track". Met and cancelled clocks are on track; a paused one is judged as it stands."""
    if deadline.state == DeadlineState.BREACHED:
        return "breached"
    if deadline.state not in (DeadlineState.RUNNING, DeadlineState.PAUSED):
        return "on_track"
    moment = deadline.paused_at or now
    if moment >= deadline.due_at:
        return "breached"
    params, calendar = deadline.params, deadline.work_calendar
    span = decisions.span_between(params, calendar, deadline.started_at, deadline.due_at)
    left = decisions.span_between(params, calendar, moment, deadline.due_at)
    if span.total_seconds() > 0 and left / span < AT_RISK_SHARE:
        return "at_risk"
    reminders = [step.at for step in decisions.planned_steps(deadline) if step.kind == "reminder"]
    if reminders and moment >= max(reminders):
        return "at_risk"
    return "on_track"


def clocks_of_requests(requests: list[Request]) -> dict[int, list[Deadline]]:
    """The clocks of several requests in one query, by request id, nearest due first."""
    by_request: dict[int, list[Deadline]] = {r.pk: [] for r in requests}
    clocks = Deadline.objects.of_subjects(REQUEST_SUBJECT, requests).order_by("due_at", "pk")
    for clock in clocks:
        by_request[int(clock.subject_id)].append(clock)
    return by_request
