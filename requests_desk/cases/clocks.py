"""Which clocks a request owes, and keeping them (and ``Request.next_due_at``) in step with it.

What a request owes comes from three places:

1. the rule table (``ClockRule``: kind / division / service / channel → commitment);
2. its dates: an expected completion more than a month after receipt owes
   ``common.progress-15d``, an expected completion on a request of the commitment's division
   (Market HO) owes ``market.delay-notice``, a requested due date owes
   ``common.institutional-change``;
3. its calls (``phone.absent-callback``, ``finance.pension-callback``, ``bizdev.callback-1h``)
   and the support handler's "under an hour" — started by those services, never by 1 or 2, so
   recomputing a request never cancels them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.functions import Cast, Least
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import business_time as bt
from commitments.deadlines import (
    ClockError,
    deadline_cancel,
    deadline_prepare,
    deadline_recompute,
    deadlines_start,
)
from commitments.memo import catalogue_remembered
from commitments.models import Commitment, Deadline, DeadlineState
from commitments.models.deadline import OPEN_STATES
from commitments.subjects import REQUEST_SUBJECT
from commitments.summaries import summaries_refresh_on_commit, summary_keys
from requests_desk.cases._common import end_of, local_date, start_of
from requests_desk.cases.errors import DeskError
from requests_desk.models import ClockRule, Request
from requests_desk.vocabulary import ClockCause

PROGRESS = "common.progress-15d"
DELAY_NOTICE = "market.delay-notice"
INSTITUTIONAL_CHANGE = "common.institutional-change"
DATE_CODES = (PROGRESS, DELAY_NOTICE, INSTITUTIONAL_CHANGE)
SUPPORT_ETA = "common.support-eta"
# Not in the charter's catalogue (yet): the clock "under an hour" starts. An admin adds the row
# (elapsed 60 min, stop status resolved); until then the promise is recorded on the timeline.
SUPPORT_UNDER_AN_HOUR = "common.support-under-an-hour"
_SEOUL_CALENDAR = bt.WorkCalendar()  # months are counted on the Seoul wall clock
PENSION_CALLBACK = "finance.pension-callback"
BIZDEV_CALLBACK = "bizdev.callback-1h"
#: What starts the clocks the desk starts from a request's dates or from a call, in the
#: customer's words (the clock-rule table says it for the others).
CASE_CLOCK_STARTS = (
    (INSTITUTIONAL_CHANGE, gettext_lazy("an institutional change you request, by your date")),
    (PROGRESS, gettext_lazy("a request we expect to take more than a month")),
    (DELAY_NOTICE, gettext_lazy("a request whose expected completion we gave you")),
    (SUPPORT_UNDER_AN_HOUR, gettext_lazy("a support inquiry we said takes under an hour")),
    ("phone.absent-callback", gettext_lazy("a call while the person in charge is away")),
    (PENSION_CALLBACK, gettext_lazy("a pension call someone else took for the person in charge")),
    (BIZDEV_CALLBACK, gettext_lazy("a call a colleague took for the person in charge")),
)


@dataclass(frozen=True)
class Owed:
    commitment: Commitment
    started_at: datetime
    target_at: datetime | None = None


def live_clocks(request: Request) -> list[Deadline]:
    """Clocks that still owe something: running, paused, or breached and not yet stopped."""
    return list(
        Deadline.objects.of_subject(REQUEST_SUBJECT, request.pk)
        .owing()
        .select_related("terms", "commitment")
        .order_by("due_at", "pk")
    )


def request_clocks(request: Request) -> list[Deadline]:
    """Every clock of the request, oldest first (series cycles in order)."""
    return list(
        Deadline.objects.of_subject(REQUEST_SUBJECT, request.pk)
        .select_related("commitment", "terms", "owner", "team")
        .order_by("started_at", "pk")
    )


def managed_codes() -> set[str]:
    """Codes whose clocks follow the request's kind, division, service, channel and dates."""
    ruled = ClockRule.objects.values_list("commitment__code", flat=True).distinct()
    return set(ruled) | set(DATE_CODES)


def owed_by(request: Request, *, since: datetime | None = None) -> dict[str, Owed]:
    """What the request owes today under the rules and its dates, by commitment code.

    ``since`` is when a date-driven obligation became known (an expected completion set
    later counts its 15-day cycle from then, not from a receipt weeks ago)."""
    owed: dict[str, Owed] = {}
    for commitment in _ruled_commitments(request):
        if commitment.starts_clock and not commitment.needs_target:
            owed.setdefault(commitment.code, Owed(commitment, request.received_at))
    by_code = catalogue_remembered(
        "date-commitments",
        (),
        lambda: Commitment.objects.filter(code__in=DATE_CODES, active=True).in_bulk(
            field_name="code"
        ),
    )
    later = max(request.received_at, since) if since else request.received_at
    completion, requested = request.expected_completion, request.requested_due
    if completion and PROGRESS in by_code and _longer_than_a_month(request, completion):
        owed[PROGRESS] = Owed(by_code[PROGRESS], later)
    delay = by_code.get(DELAY_NOTICE)
    if completion and delay and delay.division_id in (None, request.division_id):
        owed[DELAY_NOTICE] = Owed(delay, later, target_at=end_of(completion))
    if requested and INSTITUTIONAL_CHANGE in by_code:
        # by_requested_date reads only the target's date: closing time of that date.
        owed[INSTITUTIONAL_CHANGE] = Owed(
            by_code[INSTITUTIONAL_CHANGE], later, target_at=start_of(requested)
        )
    return owed


def _ruled_commitments(request: Request) -> list[Commitment]:
    """The commitments of the clock rules the request's kind, division, service and channel
    fit, in the rules' order; remembered until the catalogue or the rules change."""
    conditions = (request.kind, request.division_id, request.service_id, request.channel)

    def load() -> list[Commitment]:
        rules = ClockRule.objects.matching(
            kind=request.kind,
            division_id=request.division_id,
            service_id=request.service_id,
            channel=request.channel,
        ).select_related("commitment")
        return [rule.commitment for rule in rules]

    return catalogue_remembered("ruled-commitments", conditions, load)


def _longer_than_a_month(request: Request, completion: date) -> bool:
    received = start_of(local_date(request.received_at))
    return start_of(completion) > bt.calendar_days(_SEOUL_CALENDAR, received, months=1)


def clock_start(
    request: Request,
    commitment: Commitment,
    *,
    started_at: datetime,
    target_at: datetime | None = None,
    owner=None,
    actor=None,
    now: datetime | None = None,
) -> Deadline:
    """Start ``commitment``'s clock on the request, addressed to its assignee and team."""
    owed = Owed(commitment, started_at, target_at=target_at)
    return clocks_start(request, [owed], owner=owner, actor=actor, now=now)[0]


def clocks_start(
    request: Request,
    owed: list[Owed],
    *,
    owner=None,
    actor=None,
    now: datetime | None = None,
) -> list[Deadline]:
    """Start the ``owed`` clocks on the request, addressed to its assignee and team, with one
    write for the clocks and one for their events."""
    return clocks_save(request, clocks_prepare(request, owed, owner=owner, now=now), actor=actor)


def clocks_prepare(
    request: Request, owed: list[Owed], *, owner=None, now: datetime | None = None
) -> list[Deadline]:
    """The ``owed`` clocks of :func:`clocks_start`, checked and computed, not saved: a request
    not saved yet learns what it keeps of them (:func:`clock_summary`) before its own
    INSERT; :func:`clocks_save` writes them once it is."""
    clocks = []
    for one in owed:
        try:
            clocks.append(
                deadline_prepare(
                    commitment=one.commitment,
                    subject_type=REQUEST_SUBJECT,
                    subject_id=request.pk,
                    subject_label=f"{request.tracking_code} {request.subject}",
                    started_at=one.started_at,
                    target_at=one.target_at,
                    division=request.division,
                    team=request.team,
                    service=request.service,
                    owner=owner or request.assignee,
                    now=now,
                )
            )
        except (ClockError, ValueError) as error:
            raise DeskError(
                {
                    "__all__": [
                        _("%(code)s: %(error)s") % {"code": one.commitment.code, "error": error}
                    ]
                }
            ) from error
    return clocks


def clocks_save(request: Request, clocks: list[Deadline], *, actor=None) -> list[Deadline]:
    """Write clocks of :func:`clocks_prepare` on the (saved) request, with their events."""
    for clock in clocks:
        clock.subject_id = str(request.pk)
    return deadlines_start(clocks, actor=actor)


def clocks_start_owed(
    request: Request, *, actor, now: datetime, since: datetime | None = None, new: bool = False
) -> list[Deadline]:
    """Start every owed clock the request has never had (a cancelled one does not count);
    ``new``: the request was created just now and has none."""
    had = set()
    if not new:
        had = set(
            Deadline.objects.of_subject(REQUEST_SUBJECT, request.pk)
            .exclude(state=DeadlineState.CANCELLED)
            .values_list("commitment_code", flat=True)
        )
    owed = [owed for code, owed in owed_by(request, since=since).items() if code not in had]
    return clocks_start(request, owed, actor=actor, now=now)


def clocks_prepare_owed(request: Request, *, now: datetime) -> list[Deadline]:
    """Every clock a request about to be saved owes, prepared (:func:`clocks_prepare`)."""
    return clocks_prepare(request, list(owed_by(request).values()), now=now)


def clocks_sync(
    request: Request,
    *,
    actor,
    at: datetime,
    reason: str,
    cause_data: dict,
    recompute: bool,
    division_changed: bool,
) -> list[dict]:
    """Bring the clocks in line with the request after a change; return what happened, as the
    timeline keeps it: ``{"code", "event": "cancelled" | "recomputed" | "started", "due_at",
    "old_due_at"}`` (instants in ISO). ``reason`` is the clocks' note; ``cause_data`` the codes
    of the change (``fields``, and the ``reason`` typed) their events keep.

    1. A managed clock no longer owed is cancelled (a breached one keeps its breach).
    2. An open clock still owed is recomputed when ``recompute`` (kind, division, service or
       priority changed) or when its target moved; paused time is kept by the foundation.
    3. An owed clock the request never had starts (rules: from receipt; dates: from ``at``).
    Met, breached and cancelled clocks are never rewritten.
    """
    done: list[dict] = []
    owed = owed_by(request, since=at)
    managed = managed_codes()
    for clock in live_clocks(request):
        code = clock.commitment_code
        wanted = owed.get(code)
        if code in managed and wanted is None:
            deadline_cancel(
                clock,
                at=at,
                cause=f"{reason} — no longer owed"[:200],
                actor=actor,
                cause_data={**cause_data, "code": ClockCause.NO_LONGER_OWED},
            )
            done.append({"code": code, "event": "cancelled"})
            continue
        if not clock.is_open:
            continue  # breached: history, never rewritten
        target_moved = wanted is not None and wanted.target_at not in (None, clock.target_at)
        if not (recompute or target_moved or division_changed):
            continue
        old_due = clock.due_at
        try:
            deadline_recompute(
                clock,
                at=at,
                reason=reason[:200],
                division=request.division if division_changed else None,
                target_at=wanted.target_at if wanted else None,
                actor=actor,
                cause_data={**cause_data, "code": ClockCause.CHANGED},
            )
        except (ClockError, ValueError) as error:
            raise DeskError({"__all__": [f"{code}: {error}"]}) from error
        if clock.due_at != old_due:
            done.append(
                {
                    "code": code,
                    "event": "recomputed",
                    "due_at": _iso(clock.due_at),
                    "old_due_at": _iso(old_due),
                }
            )
    for clock in clocks_start_owed(request, actor=actor, now=at, since=at):
        done.append(
            {"code": clock.commitment_code, "event": "started", "due_at": _iso(clock.due_at)}
        )
    return done


def clocks_readdress(request: Request) -> None:
    """The clocks' owner and team follow the request's (escalations reach the new handler)."""
    clocks = Deadline.objects.of_subject(REQUEST_SUBJECT, request.pk).owing()
    # A breached clock still owing counts in the report summary under its team.
    breached = list(clocks.filter(state=DeadlineState.BREACHED).values_list("pk", flat=True))
    summaries_refresh_on_commit(breached, keys=summary_keys(breached))
    clocks.update(owner=request.assignee, team=request.team)


def clocks_redivision(request: Request) -> int:
    """Every clock of the request follows it to its division and team — open, breached, met
    or cancelled — so the old division no longer lists it, sees its messages or is escalated to.

    One ``UPDATE``: due instants, states and events stay as they are (an open clock is
    recomputed on the new division's calendar by :func:`clocks_sync`). The caller holds the
    request's lock, in the transaction that changed its division."""
    clocks = Deadline.objects.of_subject(REQUEST_SUBJECT, request.pk)
    ids = list(clocks.values_list("pk", flat=True))
    # The report summary counts closed clocks by division and team: both the groups they
    # leave and the ones they join are recomputed once this commits.
    summaries_refresh_on_commit(ids, keys=summary_keys(ids))
    return clocks.update(division=request.division, team=request.team)


#: The clocks ``Request.next_due_at`` counts: running, and breached but still owing.
COUNTED = (DeadlineState.RUNNING, DeadlineState.BREACHED)
#: What the request keeps of its clocks (:func:`clock_summary`).
SUMMARY_FIELDS = ("next_due_at", "clock_breach_at", "owes_clock")


def clock_summary(clocks: Iterable[Deadline]) -> dict:
    """What a request keeps of its clocks (``clocks``: all it has, or all it still owes):

    - ``next_due_at``: the nearest due among running and breached-open clocks. A paused clock
      does not count: its due instant moves when it resumes, and a request that waits on the
      customer should not sit at the top of anyone's queue;
    - ``clock_breach_at``: the instant its worst clock is or becomes breached (as
      :func:`requests_desk.cases.selectors.clock_status` judges one): the nearest due among
      those, and paused clocks that paused at or after their due instant (a breached clock
      counts from its last write if that came before its due instant, which the sweep never
      does: it breaches at due);
    - ``owes_clock``: a clock still owes something.

    :func:`requests_clocks_refresh` computes the same in SQL."""
    owing = [
        c
        for c in clocks
        if c.state in OPEN_STATES or (c.state == DeadlineState.BREACHED and c.stopped_at is None)
    ]
    counted = [c.due_at for c in owing if c.state in COUNTED]
    late = [c.due_at for c in owing if c.paused_at is not None and c.paused_at >= c.due_at]
    # A breached clock is breached whatever its due instant says: it was written (breached)
    # by then at the latest. Always its due instant when the sweep breached it at due.
    breached = [min(c.due_at, c.updated_at) for c in owing if c.state == DeadlineState.BREACHED]
    return {
        "next_due_at": min(counted, default=None),
        "clock_breach_at": min(counted + late + breached, default=None),
        "owes_clock": bool(owing),
    }


def next_due_refresh(request: Request, *, clocks: list[Deadline] | None = None) -> None:
    """Keep what the request holds of its clocks (:func:`clock_summary`) — of ``clocks`` when
    given (all the request has, e.g. those a new request just started), else read (one query).
    Written only when it changed. The caller holds the request's lock: a clock another
    transaction changes meanwhile is refreshed again once that one commits
    (:func:`requests_clocks_refresh`)."""
    if clocks is None:
        clocks = (
            Deadline.objects.of_subject(REQUEST_SUBJECT, request.pk)
            .owing()
            .only("state", "due_at", "paused_at", "stopped_at", "updated_at")
        )
    summary = clock_summary(clocks)
    if any(getattr(request, name) != value for name, value in summary.items()):
        for name, value in summary.items():
            setattr(request, name, value)
        Request.objects.filter(pk=request.pk).update(**summary)


def requests_clocks_refresh(subject_ids: Iterable[str] | None = None) -> int:
    """:func:`clock_summary` of many requests in SQL, from their clocks: of ``subject_ids``
    (the clocks' ``subject_id``), or, with ``None`` (the periodic reconciliation), of every
    request that owes a clock or holds a summary and disagrees with its clocks — found without
    a lock, then refreshed 500 at a time. Rows already right are not written; the number
    written.

    Registered for the request subject (:func:`commitments.subjects.subject_clocks_register`):
    the clocks' services call it once their transaction commits, for the clocks they stopped
    or cancelled (a delivery's stop takes no request lock). The rows are locked first, in a
    statement of their own, so the second reads every clock committed before the lock (under
    READ COMMITTED each statement reads a fresh snapshot)."""
    if subject_ids is None:
        # Each part through an index of its own (the owing clocks by subject, the partial
        # indexes of the three fields): an OR of them read every request.
        owing = Deadline.objects.owing().filter(subject_type=REQUEST_SUBJECT)
        candidates = {int(i) for i in owing.values_list("subject_id", flat=True) if i.isdigit()}
        for kept in (
            Q(owes_clock=True),
            Q(next_due_at__isnull=False),
            Q(clock_breach_at__isnull=False),
        ):
            candidates.update(Request.objects.filter(kept).values_list("pk", flat=True))
        ordered = sorted(candidates)
        stale = [
            changed.pk
            for i in range(0, len(ordered), 2000)
            for changed in _disagreeing(Request.objects.filter(pk__in=ordered[i : i + 2000]))
        ]
        return sum(_refresh(stale[i : i + 500]) for i in range(0, len(stale), 500))
    return _refresh(sorted({int(i) for i in subject_ids if i.isdigit()}))


def _refresh(ids: list[int]) -> int:
    if not ids:
        return 0
    with transaction.atomic():
        locked = list(
            Request.objects.filter(pk__in=ids)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        changed = _disagreeing(Request.objects.filter(pk__in=locked)) if locked else []
        Request.objects.bulk_update(changed, SUMMARY_FIELDS, batch_size=1000)
        return len(changed)


def _disagreeing(requests) -> list[Request]:
    """Of ``requests``, those whose summary is not what their clocks say, with what they say
    (unsaved instances holding only the summary's fields)."""
    fresh = requests.annotate(
        **{f"fresh_{name}": value for name, value in _summary_expressions().items()}
    ).values("pk", *SUMMARY_FIELDS, *(f"fresh_{name}" for name in SUMMARY_FIELDS))
    return [
        Request(pk=row["pk"], **{name: row[f"fresh_{name}"] for name in SUMMARY_FIELDS})
        for row in fresh
        if any(row[name] != row[f"fresh_{name}"] for name in SUMMARY_FIELDS)
    ]


def _summary_expressions() -> dict:
    """:func:`clock_summary` as correlated subqueries over the request's owing clocks (each
    read from the index ``deadline_owing_subject`` alone)."""
    owing = (
        Deadline.objects.owing()
        .filter(subject_type=REQUEST_SUBJECT, subject_id=Cast(OuterRef("pk"), CharField()))
        .order_by()
    )

    def nearest(condition: Q, instant=None) -> Subquery:
        earliest = owing.filter(condition).annotate(at=instant or F("due_at")).order_by("at")
        return Subquery(earliest.values("at")[:1])

    counted = Q(state__in=COUNTED)
    late = Q(paused_at__isnull=False, paused_at__gte=F("due_at"))
    breached = Case(
        When(state=DeadlineState.BREACHED, then=Least("due_at", "updated_at")),
        default=F("due_at"),
    )
    return {
        "next_due_at": nearest(counted),
        "clock_breach_at": nearest(counted | late, breached),
        "owes_clock": Exists(owing),
    }


def _iso(value: datetime) -> str:
    return value.astimezone(bt.SEOUL).isoformat()
