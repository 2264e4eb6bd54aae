"""Reads for the desk's pages and API: constant query counts, access enforced in the query."""

from datetime import datetime

from django.db.models import F, Q, QuerySet

from commitments.access import divisions_of
from commitments.models import Deadline, DeadlineState, RiskHorizon
from commitments.models.deadline import OPEN_STATES
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.models import Request


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


def clock_status(deadline: Deadline, now: datetime, *, horizon: RiskHorizon | None = None) -> str:
    """ "breached" (breached, or due and not yet swept), "at_risk" (a running clock due within
    the next few working hours, as the SLA reports count it: :class:`RiskHorizon`), or
    "on_track". Met and cancelled clocks are on track; so is a paused one that is not yet due
    (its due instant moves when it resumes)."""
    if deadline.state == DeadlineState.BREACHED:
        return "breached"
    if deadline.state not in OPEN_STATES:
        return "on_track"
    if (deadline.paused_at or now) >= deadline.due_at:
        return "breached"
    horizon = horizon or RiskHorizon(now=now)
    return "at_risk" if horizon.holds(deadline) else "on_track"


def clocks_of_requests(requests: list[Request]) -> dict[int, list[Deadline]]:
    """The clocks of several requests in one query, by request id, nearest due first."""
    by_request: dict[int, list[Deadline]] = {r.pk: [] for r in requests}
    clocks = Deadline.objects.of_subjects(REQUEST_SUBJECT, requests).order_by("due_at", "pk")
    for clock in clocks:
        by_request[int(clock.subject_id)].append(clock)
    return by_request
