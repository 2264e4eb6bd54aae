"""Telling the customer: what stops the charter's clocks.

Any channel counts — a logged phone call or visit is "customer informed" just as an e-mail is.
A communication logged on the e-mail or SMS channel is also sent to the customer."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import is_manager, may_see_division
from commitments.deadlines import ClockError, deadline_stop
from commitments.models import Commitment
from commitments.vocabulary import COMPLAINT_FEEDBACK
from requests_desk.cases import clocks as desk_clocks
from requests_desk.cases._common import instant, lock
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.cases.messages import message_enqueue
from requests_desk.cases.requests import request_set_status
from requests_desk.models import Activity, ActivityEvent, ActivityKind, Request
from requests_desk.vocabulary import Channel, ClockCause, Status

SENT_CHANNELS = (Channel.EMAIL, Channel.SMS)
# Promises only a manager keeps: the team manager's feedback on every complaint.
MANAGERS_ONLY = (COMPLAINT_FEEDBACK,)


def request_communicate(
    request: Request,
    *,
    actor,
    purpose: str,
    channel: str,
    summary: str,
    at: datetime | None = None,
    told_person: str = "",
) -> Activity:
    """Record that the customer was told something; stop every clock waiting for it."""
    with transaction.atomic():
        request = lock(request)
        return communication_record(
            request,
            actor=actor,
            purpose=purpose,
            channel=channel,
            summary=summary,
            at=at,
            told_person=told_person,
        )


def communication_record(
    request: Request,
    *,
    actor,
    purpose: str,
    channel: str,
    summary: str,
    at: datetime | None,
    told_person: str = "",
    kind: str = ActivityKind.COMMUNICATION,
    data: dict | None = None,
    event: str = "",
    before_receipt: bool = False,
) -> Activity:
    """The body of :func:`request_communicate` on a request the caller has locked.

    ``event``: an ``ActivityEvent`` that says what was done when nobody typed a summary (a
    call-back, a visit); the line then reads in its reader's language. ``before_receipt``: the
    contact may predate the request (a morning visit that led to it); it then stops no clock,
    since every clock started later."""
    now = timezone.now()
    if not request.is_open:
        raise DeskError({"status": [_("The request is closed; reopen it to record more.")]})
    activity = Activity(
        request=request,
        kind=kind,
        at=instant(
            at, field="at", now=now, not_before=None if before_receipt else request.received_at
        ),
        recorded_at=now,
        actor=actor,
        event="" if summary else event,
        text=summary,
        purpose=purpose,
        channel=channel,
        told_person=told_person,
        public=True,
    )
    full_clean(activity, rename={"text": "summary"})
    recipient = _recipient(request, channel)
    stopped = clocks_stop_for(request, purpose=purpose, at=activity.at, actor=actor, now=now)
    activity.data = {**(data or {}), "stopped": stopped}
    activity.save()
    if channel in SENT_CHANNELS:
        message_enqueue(request, activity, recipient=recipient)
    desk_clocks.next_due_refresh(request)
    status_follows_first_communication(request, actor=actor, at=activity.at)
    return activity


def status_follows_first_communication(request: Request, *, actor, at: datetime) -> None:
    """A new request moves to "in progress" the first time the customer hears from us.

    Only from "new": a request someone already moved (in review, waiting …) keeps its status.
    The move is an ordinary status change (its own timeline line, the customer sees it on the
    tracking page), dated at the communication unless a later status change already exists."""
    if request.status != Status.NEW:
        return
    last = request.activities.filter(kind=ActivityKind.STATUS).order_by("-at").first()
    request_set_status(
        request,
        actor=actor,
        status=Status.IN_PROGRESS,
        at=max(at, request.received_at, *([last.at] if last else [])),
        event=ActivityEvent.WORK_STARTED,
    )


def _recipient(request: Request, channel: str) -> str:
    """Where a communication on ``channel`` is sent: the customer's e-mail or phone number."""
    if channel == Channel.EMAIL and not request.customer.email:
        raise DeskError({"channel": [_("The customer has no e-mail address.")]})
    if channel == Channel.SMS and not request.customer.phone:
        raise DeskError({"channel": [_("The customer has no phone number for an SMS.")]})
    return {Channel.EMAIL: request.customer.email, Channel.SMS: request.customer.phone}.get(
        channel, ""
    )


def clocks_stop_for(request: Request, *, purpose: str, at: datetime, actor, now) -> list[str]:
    """Stop the request's clocks whose frozen terms stop on ``purpose``; their codes.

    A clock that started after ``at`` (a later cycle of a series) is not stopped by something
    told before it existed."""
    stopped = []
    for clock in desk_clocks.live_clocks(request):
        if purpose not in (clock.params.get("stop_purposes") or []) or clock.started_at > at:
            continue
        if clock.commitment_code in MANAGERS_ONLY and not _manages(actor, request):
            raise DeskError(
                {
                    "purpose": [
                        _(
                            "Only a manager of the request's division may give the feedback"
                            " on a complaint."
                        )
                    ]
                }
            )
        try:
            deadline_stop(
                clock,
                at=at,
                cause=f"{purpose} communicated",
                actor=actor,
                now=now,
                cause_data={"code": ClockCause.COMMUNICATED, "purpose": purpose},
            )
        except ClockError as error:
            raise DeskError({"at": [str(error)]}) from error
        stopped.append(clock.commitment_code)
    return stopped


def _manages(actor, request: Request) -> bool:
    return actor is not None and is_manager(actor) and may_see_division(actor, request.division_id)


def request_support_under_an_hour(
    request: Request, *, actor, at: datetime | None = None
) -> Activity:
    """The support handler records that the inquiry will take under an hour.

    That satisfies ``common.support-eta`` (its 10-minute clock stops) and owes resolution
    within the hour: a clock of ``common.support-under-an-hour`` when the catalogue has that
    row (elapsed 60 minutes, stopped by resolution); without it the promise is only recorded
    here, on the timeline."""
    now = timezone.now()
    with transaction.atomic():
        request = lock(request)
        if not request.is_open:
            raise DeskError({"status": [_("The request is closed; reopen it to record more.")]})
        at = instant(at, field="at", now=now, not_before=request.received_at)
        eta = [
            c
            for c in desk_clocks.live_clocks(request)
            if c.commitment_code == desk_clocks.SUPPORT_ETA
        ]
        if not eta:
            raise DeskError({"__all__": [_("This request has no open support-center clock.")]})
        for clock in eta:
            try:
                deadline_stop(
                    clock,
                    at=at,
                    cause="under an hour",
                    actor=actor,
                    now=now,
                    cause_data={"code": ClockCause.UNDER_AN_HOUR},
                )
            except ClockError as error:
                raise DeskError({"at": [str(error)]}) from error
        hour = Commitment.objects.filter(
            code=desk_clocks.SUPPORT_UNDER_AN_HOUR, active=True
        ).first()
        data = {"stopped": [desk_clocks.SUPPORT_ETA], "under_an_hour": True}
        if hour is not None and hour.starts_clock and not hour.needs_target:
            clock = desk_clocks.clock_start(request, hour, started_at=at, actor=actor, now=now)
            data["started"] = [clock.commitment_code]
        activity = Activity.objects.create(
            request=request,
            kind=ActivityKind.NOTE,
            at=at,
            recorded_at=now,
            actor=actor,
            event=ActivityEvent.UNDER_AN_HOUR,
            data=data,
        )
        desk_clocks.next_due_refresh(request)
        return activity
