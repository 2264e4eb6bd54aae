"""Phone calls and visits.

``phone.answer-3-rings`` and ``phone.late-apology`` are per-call rules: the call row is the
record (rings ≤ 3 is met; rings > 4 owes an apology, met when ``apology_given``). The call-back
promises are clocks on the call's request; every logged call has a request.
"""

from datetime import date, datetime, time

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import may_see_division
from commitments.business_time import SEOUL
from commitments.models import Commitment
from commitments.vocabulary import ABSENT_CALLBACK
from requests_desk.cases import clocks as desk_clocks
from requests_desk.cases._common import (
    instant,
    lock,
)
from requests_desk.cases.communications import communication_record
from requests_desk.cases.customers import caller_find_or_create
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.cases.requests import request_create
from requests_desk.models import ActivityEvent, ActivityKind, CallDaySummary, PhoneCall, Visit
from requests_desk.models.contacts import APOLOGY_OWED_ABOVE, RINGS_MET_AT_MOST
from requests_desk.models.requests import Activity, Request
from requests_desk.vocabulary import Channel, Purpose, RequestKind

PENSION_SERVICE = "retirement-pension"
BIZDEV_DIVISION = "bizdev"


def answering_team(user, *, division):
    """The team ``user`` answers for in ``division`` (their first there by code), if any."""
    if user is None or division is None:
        return None
    return user.teams.filter(division=division).order_by("code").first()


def call_log(
    *,
    actor,
    caller_name: str,
    division,
    rings: int,
    received_at: datetime | None = None,
    caller_phone: str = "",
    organisation: str = "",
    customer=None,
    service=None,
    greeting_given: bool = True,
    apology_given: bool = False,
    person_absent: bool = False,
    person_in_charge=None,
    summary: str = "",
    request: Request | None = None,
    kind: str = RequestKind.SUPPORT_INQUIRY,
    subject: str = "",
    **details,
) -> PhoneCall:
    """Log a call taken by ``actor``; it opens a request (of ``kind``, with ``subject`` and the
    request's other ``details``) unless one is given.

    Call-back clocks start on the request: ``phone.absent-callback`` when the person in charge
    was absent; ``finance.pension-callback`` (retirement-pension service) and
    ``bizdev.callback-1h`` (business development) when someone other than the person in charge
    took it."""
    now = timezone.now()
    call = PhoneCall(
        received_at=instant(received_at, field="received_at", now=now),
        caller_name=caller_name,
        caller_phone=caller_phone,
        customer=customer,
        division=division,
        service=service,
        rings=rings,
        answered_by=actor,
        greeting_given=greeting_given,
        apology_given=apology_given,
        person_absent=person_absent,
        person_in_charge=person_in_charge,
        summary=summary,
        request=request,
        created_at=now,
    )
    full_clean(call, exclude=["organisation"])
    _require_call_fits(call, organisation=organisation)
    with transaction.atomic():
        if call.request is None:
            call.request = _request_opened_by(
                call, actor=actor, organisation=organisation, kind=kind, subject=subject, **details
            )
        call.request = lock(call.request)
        if not call.request.is_open:
            raise DeskError(
                {"request": [_("The request is closed; reopen it to log a call on it.")]}
            )
        call.customer = call.customer or call.request.customer
        call.organisation = call.customer.organisation
        call.team = answering_team(actor, division=call.division) or call.request.team
        call.save()
        call_counted(call)
        started = _callbacks_start(call, actor=actor, now=now)
        Activity.objects.create(
            request=call.request,
            kind=ActivityKind.CALL,
            at=call.received_at,
            recorded_at=now,
            actor=actor,
            event="" if call.summary else ActivityEvent.CALL_FROM,
            text=call.summary,
            channel=Channel.PHONE,
            data={
                "call": call.pk,
                "caller_name": call.caller_name,
                "rings": call.rings,
                "answered_in_time": call.answered_in_time,
                "apology_owed": call.apology_owed,
                "apology_given": call.apology_given,
                "person_absent": call.person_absent,
                "started": started,
            },
        )
        desk_clocks.next_due_refresh(call.request)
    return call


def call_counted(call: PhoneCall) -> None:
    """Count ``call`` in its day's :class:`CallDaySummary` (its Asia/Seoul date, division and
    answering team), in the caller's transaction: one statement that adds to the row, or
    makes it, so concurrent calls are all counted."""
    table = connection.ops.quote_name(CallDaySummary._meta.db_table)
    counts = ("within_three", "apology_owed", "apology_given")
    owed = call.apology_owed
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (day, division_key, team_key, calls, {", ".join(counts)})
            VALUES (%s, %s, %s, 1, %s, %s, %s)
            ON CONFLICT (day, division_key, team_key) DO UPDATE SET
                calls = {table}.calls + 1,
                {", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in counts)}
            """,
            (
                call.received_at.astimezone(SEOUL).date(),
                call.division_id,
                call.team_id or 0,
                int(call.answered_in_time),
                int(owed),
                int(owed and call.apology_given),
            ),
        )


def calls_summary_rebuild(*, since: date | None = None) -> int:
    """Count the calls again into :class:`CallDaySummary` (the days from ``since``, an
    Asia/Seoul date, when given; else every day), in one transaction; the rows written."""
    calls, summaries = PhoneCall.objects.all(), CallDaySummary.objects.all()
    if since is not None:
        calls = calls.filter(received_at__gte=datetime.combine(since, time.min, tzinfo=SEOUL))
        summaries = summaries.filter(day__gte=since)
    owed = Q(rings__gt=APOLOGY_OWED_ABOVE)
    days = (
        calls.annotate(day=TruncDate("received_at", tzinfo=SEOUL))
        .values("day", "division_id", "team_id")
        .annotate(
            calls=Count("*"),
            within_three=Count("pk", filter=Q(rings__lte=RINGS_MET_AT_MOST)),
            apology_owed=Count("pk", filter=owed),
            apology_given=Count("pk", filter=owed & Q(apology_given=True)),
        )
        .order_by()
    )
    with transaction.atomic():
        summaries.delete()
        rows = [
            CallDaySummary(
                day=day.pop("day"),
                division_key=day.pop("division_id"),
                team_key=day.pop("team_id") or 0,
                **day,
            )
            for day in days
        ]
        CallDaySummary.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _require_call_fits(call: PhoneCall, *, organisation: str) -> None:
    """Who called is known; a call on a request is in its division; the person in charge, who
    would own the call-back clocks (and the request), works in that division."""
    if call.customer is None and call.request is None and not organisation.strip():
        raise DeskError(
            {"organisation": [_("Give the caller's organisation (or choose a known customer).")]}
        )
    if call.request is not None and call.request.division_id != call.division_id:
        raise DeskError({"division": [_("The call's division must be the request's.")]})
    in_charge = call.person_in_charge
    if in_charge is not None and not may_see_division(in_charge, call.division_id):
        raise DeskError(
            {"person_in_charge": [_("This person does not work in the request's division.")]}
        )


def _request_opened_by(call: PhoneCall, *, actor, organisation: str, kind, subject, **details):
    """The request a call without one opens, for the caller (found or created)."""
    call.customer = call.customer or caller_find_or_create(
        name=call.caller_name, organisation=organisation, phone=call.caller_phone
    )
    return request_create(
        actor=actor,
        kind=kind,
        channel=Channel.PHONE,
        division=call.division,
        service=call.service,
        customer=call.customer,
        subject=subject or _subject_from(call.summary, call.caller_name),
        body=call.summary,
        received_at=call.received_at,
        assignee=_handler(call, actor),
        **details,
    )


def call_record_callback(call: PhoneCall, *, actor, at: datetime | None = None) -> PhoneCall:
    """We called the customer back: the call-back clocks on its request stop."""
    now = timezone.now()
    with transaction.atomic():
        call = PhoneCall.objects.select_for_update().get(pk=call.pk)
        if call.callback_at is not None:
            raise DeskError({"callback_at": [_("The call-back is already recorded.")]})
        at = instant(at, field="at", now=now, not_before=call.received_at)
        call.callback_at = at
        call.save(update_fields=["callback_at"])
        if call.request_id is not None:
            request = lock(call.request)
            communication_record(
                request,
                actor=actor,
                purpose=Purpose.CALLBACK,
                channel=Channel.PHONE,
                summary="",
                event=ActivityEvent.CALLED_BACK,
                at=at,
                told_person=call.caller_name,
                data={"call": call.pk},
            )
    return call


def visit_log(
    request: Request,
    *,
    actor,
    appointment_agreed: bool,
    appointment_at: datetime | None,
    visited_at: datetime,
    results_explained_to: str,
    summary: str = "",
    purpose: str = Purpose.RESULT,
) -> Visit:
    """Record a visit (``visit.appointment``: only by appointment; ``visit.explain-results``:
    the report names who was told) — which tells the customer ``purpose`` on channel visit."""
    now = timezone.now()
    visit = Visit(
        request=request,
        visitor=actor,
        appointment_agreed=appointment_agreed,
        appointment_at=appointment_at,
        visited_at=visited_at,
        results_explained_to=results_explained_to,
        summary=summary,
        created_at=now,
    )
    full_clean(visit)
    with transaction.atomic():
        visit.request = request = lock(request)
        # A visit may come before the request it led to (logged afterwards): only not later.
        instant(visited_at, field="visited_at", now=now)
        visit.save()
        communication_record(
            request,
            actor=actor,
            purpose=purpose,
            channel=Channel.VISIT,
            summary=summary,
            event=ActivityEvent.VISITED,
            at=visited_at,
            told_person=results_explained_to,
            kind=ActivityKind.VISIT,
            data={"visit": visit.pk},
            before_receipt=True,
        )
    return visit


def _callbacks_start(call: PhoneCall, *, actor, now) -> list[str]:
    """Start the call-back clocks the call owes; their codes."""
    return [
        desk_clocks.clock_start(
            call.request, commitment, started_at=call.received_at, owner=owner, actor=actor, now=now
        ).commitment_code
        for commitment, owner in _callbacks_owed(call)
    ]


def _callbacks_owed(call: PhoneCall) -> list[tuple[Commitment, object]]:
    codes = []
    if call.person_absent:
        codes.append((ABSENT_CALLBACK, call.person_in_charge or call.answered_by))
    taken_by_another = (
        call.person_in_charge is not None and call.person_in_charge != call.answered_by
    )
    if taken_by_another or call.person_absent:
        if call.service is not None and call.service.code == PENSION_SERVICE:
            codes.append((desk_clocks.PENSION_CALLBACK, call.person_in_charge))
        if call.division.code == BIZDEV_DIVISION:
            codes.append((desk_clocks.BIZDEV_CALLBACK, call.person_in_charge))
    by_code = Commitment.objects.filter(code__in=[c for c, _o in codes], active=True).in_bulk(
        field_name="code"
    )
    return [(by_code[code], owner) for code, owner in codes if code in by_code]


def _handler(call: PhoneCall, actor):
    """Who works the new request: the person in charge when present, else whoever took the
    call (if they work in the division), else the team."""
    if call.person_in_charge is not None and not call.person_absent:
        return call.person_in_charge
    return actor if actor is not None and may_see_division(actor, call.division_id) else None


def _subject_from(summary: str, caller: str) -> str:
    first = summary.strip().splitlines()[0] if summary.strip() else ""
    if not first:
        return _("Call from %(name)s") % {"name": caller}
    return first if len(first) <= 80 else first[:79] + "…"


__all__ = ["RINGS_MET_AT_MOST", "call_log", "call_record_callback", "visit_log"]
