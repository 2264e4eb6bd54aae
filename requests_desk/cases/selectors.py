"""Reads for the desk's pages and API: constant query counts, access enforced in the query."""

from datetime import datetime

from django.db.models import BigIntegerField, F, Q, QuerySet
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


#: The queue's order: nearest due first, requests without a running clock last.
QUEUE_ORDER = (F("next_due_at").asc(nulls_last=True), "received_at", "pk")


def _queue_parts(user) -> list[QuerySet]:
    """The queue's two parts, which never share a request: the open requests assigned to
    ``user``, and those of ``user``'s teams nobody has taken. The teams are read first (a
    small query): for someone in no team there is no second part at all, where PostgreSQL
    read every unassigned request to find none of their teams' (908 at a million)."""
    open_requests = requests_visible(user).open()
    parts = [open_requests.filter(assignee=user)]
    if teams := list(user.teams.values_list("pk", flat=True)):
        parts.append(open_requests.filter(assignee__isnull=True, team__in=teams))
    return parts


def queue_for(user) -> QuerySet[Request]:
    """Open requests assigned to ``user``, and those of ``user``'s teams nobody has taken,
    nearest due first (requests without a running clock last)."""
    mine, *nobodys = _queue_parts(user)
    if nobodys:
        mine = mine | nobodys[0]
    return mine.order_by(*QUEUE_ORDER)


def queue_keys_for(user) -> QuerySet:
    """The queue as ``(id, next due, received)`` in its order, each part read apart and
    appended (``UNION ALL``), so each is read from the open requests' index alone
    (``request_open_queue``): as one ``OR`` PostgreSQL read a team manager's 3,660 requests
    from the table, for the count and again for the page (34 and 31 ms at a million)."""
    mine, *nobodys = (
        part.order_by().values_list("pk", "next_due_at", "received_at")
        for part in _queue_parts(user)
    )
    if nobodys:
        mine = mine.union(nobodys[0], all=True)
    return mine.order_by(*QUEUE_ORDER)


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


#: Clock states whose requests are few however many the desk holds: those with a clock due
#: within the next working hours (the list reads their ids once, :class:`ShortListPaginator`).
SHORT_CLOCK_STATES = frozenset({"at_risk"})


def requests_by_clock_state(
    requests: QuerySet, state: str, *, now: datetime, horizon: RiskHorizon | None = None
) -> QuerySet:
    """Requests whose worst owed clock is in ``state`` (:func:`clock_status`: breached, then
    at risk, then on track; "none": no owed clock at all), from what each request keeps of
    its clocks (:func:`requests_desk.cases.clocks.clock_summary`), so no clock is grouped:

    - breached: its breach instant has come (index ``request_clock_breach``, up to now);
    - none: it owes no clock;
    - at risk: it owes a clock, is not breached, and one of its running clocks is due within
      the horizon (those few clocks read by due instant, ``deadline_open_due``);
    - on track: it owes a clock and is neither (``request_owing_received``, in the list's
      order)."""
    if state == "none":
        return requests.filter(owes_clock=False)
    if state == "breached":
        return requests.filter(clock_breach_at__lte=now)
    soon = (
        Deadline.objects.filter(subject_type=REQUEST_SUBJECT)
        .filter((horizon or RiskHorizon(now=now)).q())
        .order_by()
        .annotate(rid=Cast("subject_id", BigIntegerField()))
        .values("rid")
    )
    calm = requests.filter(owes_clock=True).exclude(clock_breach_at__lte=now)
    if state == "at_risk":
        return calm.filter(pk__in=soon)
    if state == "on_track":
        return calm.exclude(pk__in=soon)
    raise ValueError(f"unknown clock state {state!r}")


def clocks_of_requests(requests: list[Request]) -> dict[int, list[Deadline]]:
    """The clocks of several requests in one query, by request id, nearest due first."""
    by_request: dict[int, list[Deadline]] = {r.pk: [] for r in requests}
    clocks = Deadline.objects.of_subjects(REQUEST_SUBJECT, requests).order_by("due_at", "pk")
    for clock in clocks:
        by_request[int(clock.subject_id)].append(clock)
    return by_request
