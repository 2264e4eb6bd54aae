"""Reads for the desk's pages and API: constant query counts, access enforced in the query."""

from datetime import datetime

from django.db.models import BigIntegerField, Case, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from commitments.access import divisions_of
from commitments.models import Deadline, DeadlineState, RiskHorizon
from commitments.models.deadline import OPEN_STATES
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.models import CustomerContact, Request


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


#: Customers matched by a search beyond this many are matched in a subquery instead.
SEARCH_CUSTOMERS = 1_000


def requests_matching(requests: QuerySet, words: str) -> QuerySet:
    """Requests whose subject, body or tracking code holds ``words``, or whose customer's name,
    e-mail or organisation does — anywhere in them, case aside (a Korean word inside a
    compound too). On PostgreSQL each ``icontains`` reads a trigram index (requests_desk
    0011); the customers are matched first, so the request side is one OR of indexed columns
    (the planner combines their bitmaps) rather than a join."""
    customers = (
        CustomerContact.objects.filter(
            Q(name__icontains=words)
            | Q(email__icontains=words)
            | Q(organisation__name__icontains=words)
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    found = list(customers[: SEARCH_CUSTOMERS + 1])
    by_customer = Q(customer_id__in=customers if len(found) > SEARCH_CUSTOMERS else found)
    return requests.filter(
        Q(subject__icontains=words)
        | Q(body__icontains=words)
        | Q(tracking_code__icontains=words)
        | by_customer
    )


def breached_q(now: datetime) -> Q:
    """The clocks :func:`clock_status` calls breached, as a filter."""
    due = Q(state__in=OPEN_STATES) & (
        Q(paused_at__isnull=True, due_at__lte=now) | Q(paused_at__gte=F("due_at"))
    )
    return Q(state=DeadlineState.BREACHED) | due


def _any(condition: Q) -> Max:
    """1 when a row of the group meets ``condition``, else 0."""
    return Max(Case(When(condition, then=Value(1)), default=Value(0)))


def requests_by_clock_state(
    requests: QuerySet, state: str, *, now: datetime, horizon: RiskHorizon | None = None
) -> QuerySet:
    """Requests whose worst owed clock is in ``state`` (:func:`clock_status`: breached, then
    at risk, then on track; "none": no owed clock at all), chosen in SQL: the owed clocks
    grouped by request, each group judged by its worst clock, so no clock goes to Python."""
    owed = Deadline.objects.owing().filter(subject_type=REQUEST_SUBJECT)
    if state == "none":
        ids = owed.annotate(rid=Cast("subject_id", BigIntegerField())).values("rid")
        return requests.exclude(pk__in=ids)
    worst = {
        "breached": Q(breached=1),
        "at_risk": Q(breached=0, at_risk=1),
        "on_track": Q(breached=0, at_risk=0),
    }[state]
    ids = (
        owed.values("subject_id")
        .annotate(
            rid=Cast("subject_id", BigIntegerField()),
            breached=_any(breached_q(now)),
            at_risk=_any((horizon or RiskHorizon(now=now)).q()),
        )
        .filter(worst)
        .values("rid")
    )
    return requests.filter(pk__in=ids)


def clocks_of_requests(requests: list[Request]) -> dict[int, list[Deadline]]:
    """The clocks of several requests in one query, by request id, nearest due first."""
    by_request: dict[int, list[Deadline]] = {r.pk: [] for r in requests}
    clocks = Deadline.objects.of_subjects(REQUEST_SUBJECT, requests).order_by("due_at", "pk")
    for clock in clocks:
        by_request[int(clock.subject_id)].append(clock)
    return by_request
