"""Telling the customer: what stops the charter's clocks.

Each commitment says which acts keep it (``commitments.stops``): the purpose, the channels it
accepts (a phone call keeps most promises, never "announce by SMS"), and whether an e-mail or
SMS counts when it is queued or only once the gateway accepted it. A communication logged on
the e-mail or SMS channel is also sent to the customer; the clocks that wait for its delivery
stop when delivery marks it sent (``notifications.stops``)."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import is_manager, may_see_division
from commitments.deadlines import ClockError, deadline_stop
from commitments.models import Commitment, Deadline
from commitments.stops import NOW, ON_DELIVERY, act_stops
from commitments.vocabulary import COMPLAINT_FEEDBACK
from notifications.stops import clock_stop_on_delivery
from requests_desk.cases import clocks as desk_clocks
from requests_desk.cases._common import instant, lock
from requests_desk.cases.attachments import CheckedFile, attachments_store
from requests_desk.cases.customers import case_phone
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.cases.messages import message_enqueue
from requests_desk.cases.replies import canned_reply_render
from requests_desk.cases.requests import request_set_status
from requests_desk.models import Activity, ActivityEvent, ActivityKind, CannedReply, Request
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
    canned_reply: CannedReply | None = None,
    files: Sequence[CheckedFile] = (),
) -> Activity:
    """Record that the customer was told something; stop every clock waiting for it.

    ``canned_reply``: the reply staff started from; with no ``summary`` its text, rendered for
    the case, is what is stored and sent. ``files`` (checked) are kept with the line and go
    with the e-mail."""
    with transaction.atomic():
        request = lock(request)
        if canned_reply is not None and not summary.strip():
            summary = canned_reply_render(canned_reply, request=request)
        return communication_record(
            request,
            actor=actor,
            purpose=purpose,
            channel=channel,
            summary=summary,
            at=at,
            told_person=told_person,
            data={"canned_reply": canned_reply.pk} if canned_reply is not None else None,
            files=files,
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
    files: Sequence[CheckedFile] = (),
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
    kept = clocks_kept_by(request, purpose=purpose, channel=channel, at=activity.at)
    _check_manager(actor, request, [clock for clock, _when in kept])
    stopped = clocks_stop(
        [clock for clock, when in kept if when == NOW],
        purpose=purpose,
        at=activity.at,
        actor=actor,
        now=now,
    )
    awaiting = [clock for clock, when in kept if when == ON_DELIVERY]
    activity.data = {**(data or {}), "stopped": stopped}
    if awaiting:
        activity.data["awaiting_delivery"] = [clock.commitment_code for clock in awaiting]
    activity.save()
    stored = attachments_store(request, files, activity=activity, from_customer=False)
    if channel in SENT_CHANNELS:
        message = message_enqueue(request, activity, recipient=recipient, attachments=stored)
        for clock in awaiting:
            clock_stop_on_delivery(
                deadline=clock,
                notifications=[message],
                act=f"request:{request.pk}:activity:{activity.pk}",
                cause=f"{purpose} delivered",
                cause_data={"code": ClockCause.COMMUNICATED, "purpose": purpose},
            )
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
    """Where a communication on ``channel`` is sent: the customer's e-mail or phone number (one
    confirmed, or given on this case: :func:`case_phone`)."""
    if channel == Channel.EMAIL and not request.customer.email:
        raise DeskError({"channel": [_("The customer has no e-mail address.")]})
    phone = case_phone(request) if channel == Channel.SMS else ""
    if channel == Channel.SMS and not phone:
        raise DeskError({"channel": [_("The customer has no phone number for an SMS.")]})
    return {Channel.EMAIL: request.customer.email, Channel.SMS: phone}.get(channel, "")


def clocks_kept_by(
    request: Request, *, purpose: str, channel: str, at: datetime | None = None
) -> list[tuple[Deadline, str]]:
    """The request's open clocks that telling the customer ``purpose`` by ``channel`` keeps,
    each with when it stops: ``"now"``, or ``"on_delivery"`` (when the gateway accepts the
    e-mail or SMS). What the desk shows before an act is recorded, and what recording it does.

    A clock that started after ``at`` (a later cycle of a series) is not kept by something
    told before it existed."""
    kept = []
    for clock in desk_clocks.live_clocks(request):
        if at is not None and clock.started_at > at:
            continue
        when = act_stops(clock.params, purpose=purpose, channel=channel)
        if when is not None:
            kept.append((clock, when))
    return kept


def _check_manager(actor, request: Request, clocks: list[Deadline]) -> None:
    if any(c.commitment_code in MANAGERS_ONLY for c in clocks) and not _manages(actor, request):
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


def clocks_stop(clocks: list[Deadline], *, purpose: str, at: datetime, actor, now) -> list[str]:
    """Stop ``clocks``, kept by telling ``purpose`` at ``at``; their codes."""
    stopped = []
    for clock in clocks:
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
