"""Requests: logging one, changing it, its status life cycle, transfers and notes."""

from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import may_see_division
from commitments.bulk import row_insert
from commitments.deadlines import (
    ClockError,
    deadline_cancel,
    deadline_pause,
    deadline_resume,
    deadline_stop,
)
from commitments.memo import catalogue_pinned
from commitments.models import DeadlineState
from requests_desk.cases import clocks as desk_clocks
from requests_desk.cases._common import (
    bump,
    default_team,
    instant,
    local,
    lock,
)
from requests_desk.cases.attachments import CheckedFile, attachments_store
from requests_desk.cases.errors import DeskError, StaleEdit, full_clean
from requests_desk.cases.messages import acknowledgement_enqueue
from requests_desk.homepage.services.surveys import survey_invite_on_resolution
from requests_desk.models import Activity, ActivityEvent, ActivityKind, CustomerContact, Request
from requests_desk.vocabulary import STATUS_FLOW, ClockCause, Status

# Fields with a write of their own (status, transfer …) or never changed after logging.
NOT_UPDATABLE = {
    "channel",
    "customer",
    "status",
    "received_at",
    "resolved_at",
    "closed_at",
    "created_by",
    "created_at",
    "next_due_at",
    "version",
}
# What request_update changes: the request's other editable fields.
UPDATABLE = tuple(
    field.name
    for field in Request._meta.concrete_fields
    if field.editable and not field.primary_key and field.name not in NOT_UPDATABLE
)
# Changes that move clocks: recompute every open one (and start or cancel what the rules say).
RECOMPUTING = ("kind", "division", "service", "priority")
MOVING_CLOCKS = (*RECOMPUTING, "expected_completion", "requested_due")


#: Foreign keys ``request_create`` is given as rows (``None`` or an instance, never an id).
_GIVEN_ROWS = ("division", "team", "service", "customer", "assignee", "created_by")


@catalogue_pinned()
def request_create(
    *,
    actor,
    customer: CustomerContact,
    division,
    kind: str,
    channel: str,
    subject: str,
    received_at: datetime | None = None,
    team=None,
    service=None,
    assignee=None,
    in_reply_to: str = "",
    **details,
) -> Request:
    """Log a request, start the clocks it owes, and acknowledge it to the customer.

    ``details`` are the request's other fields (body, priority, the promised dates …), as the
    model defines them. Without a team the request goes to the service's team, else to the
    division's first. ``in_reply_to`` is the Message-ID of the customer's e-mail the request
    came from: the acknowledgement answers it, so it threads under it."""
    now = timezone.now()
    request = Request(
        created_by=actor,
        created_at=now,
        customer=customer,
        division=division,
        kind=kind,
        channel=channel,
        subject=subject,
        received_at=instant(received_at, field="received_at", now=now),
        team=team or default_team(division=division, service=service),
        service=service,
        assignee=assignee,
        **details,
    )
    # The division, team, customer and assignee are rows already read: their existence is
    # not asked again; nor is the tracking code's, drawn at random from 31^10.
    full_clean(request, exclude=(*_GIVEN_ROWS, "tracking_code"))
    _require_in_division(request.assignee, request, field="assignee")
    with transaction.atomic(savepoint=False):
        # The clocks are computed first, so the request is written with what it keeps of them
        # (its next due instant …) in the same INSERT.
        clocks = desk_clocks.clocks_prepare_owed(request, now=now)
        for name, value in desk_clocks.clock_summary(clocks).items():
            setattr(request, name, value)
        request.updated_at = now  # the INSERT is written out: no auto_now
        row_insert(request)
        row_insert(
            Activity(
                request=request,
                kind=ActivityKind.NOTE,
                at=request.received_at,
                recorded_at=now,
                actor=actor,
                event=ActivityEvent.RECEIVED,
                data={"created": True, "channel": request.channel},
            )
        )
        started = desk_clocks.clocks_save(request, clocks, actor=actor)
        acknowledgement_enqueue(request, clocks=started, in_reply_to=in_reply_to)
    return request


def request_update(
    request: Request, *, actor, version: int | None = None, reason: str = "", **changes
) -> Request:
    """Change a request's details; clocks follow, and the timeline says what changed and why.

    The row is locked, so two concurrent edits run one after the other; an edit made on an
    older ``version`` (someone saved in between) is refused with :class:`StaleEdit`."""
    if unknown := sorted(set(changes) - set(UPDATABLE)):
        raise DeskError(dict.fromkeys(unknown, _("This field cannot be changed here.")))
    now = timezone.now()
    with transaction.atomic():
        locked = lock(request)
        _require_editable(locked, version=version)
        changed = _apply(locked, changes)
        if changed:
            bump(locked, *changed)
            clock_moves = _clocks_follow_changes(
                locked, changed, actor=actor, at=now, reason=reason
            )
            Activity.objects.create(
                request=locked,
                kind=ActivityKind.CHANGE,
                event=ActivityEvent.CHANGED,
                at=now,
                recorded_at=now,
                actor=actor,
                text=reason,  # the one thing typed; the rest is codes and values
                to_user=locked.assignee if "assignee" in changed else None,
                to_team=locked.team if "team" in changed else None,
                data={
                    "fields": list(changed),
                    "changes": [
                        _change(name, before, getattr(locked, name))
                        for name, before in changed.items()
                    ],
                    "clocks": clock_moves,
                },
            )
            desk_clocks.next_due_refresh(locked)
    request.refresh_from_db()
    return request


def _require_editable(request: Request, *, version: int | None) -> None:
    if version is not None and int(version) != request.version:
        raise StaleEdit(
            _("Someone changed this request since you opened it; reload and try again.")
        )
    if not request.is_open:
        raise DeskError({"status": [_("The request is closed; reopen it to change it.")]})


def _apply(request: Request, changes: dict) -> dict:
    """Set ``changes`` on ``request`` and check the result as the model does; the fields that
    changed, with their old values."""
    values = {**_placement_follows(request, changes), **changes}
    if "team" in values and values["team"] is None:
        values["team"] = default_team(
            division=values.get("division", request.division),
            service=values.get("service", request.service),
        )
    changed = {name: getattr(request, name) for name in values}
    for name, value in values.items():
        setattr(request, name, value)
    full_clean(request)
    if {"assignee", "division"} & set(changes):
        _require_in_division(request.assignee, request, field="assignee")
    return {name: before for name, before in changed.items() if before != getattr(request, name)}


def _placement_follows(request: Request, changes: dict) -> dict:
    """A request moved to another division takes its team and service along unless they are
    given: a service of the old division is dropped, and the team becomes the new division's
    default (``None``)."""
    division = changes.get("division", request.division)
    if division == request.division:
        return {}
    return {
        name: None
        for name in ("team", "service")
        if name not in changes
        and (getattr(request, name) is None or getattr(request, name).division_id != division.pk)
    }


def _require_in_division(person, request: Request, *, field: str) -> None:
    if person is not None and not may_see_division(person, request.division_id):
        raise DeskError({field: [_("This person does not work in the request's division.")]})


def _clocks_follow_changes(request: Request, changed: dict, *, actor, at, reason: str) -> list:
    """Re-address, move and recompute the clocks the changes touch; what the clocks did, as
    codes and instants for the timeline."""
    if {"team", "assignee"} & set(changed):
        desk_clocks.clocks_readdress(request)
    if "division" in changed:
        desk_clocks.clocks_redivision(request)
    if not set(MOVING_CLOCKS) & set(changed):
        return []
    return desk_clocks.clocks_sync(
        request,
        actor=actor,
        at=at,
        reason=reason or f"changed: {', '.join(changed)}",
        cause_data={"fields": list(changed), "reason": reason},
        recompute=bool(set(RECOMPUTING) & set(changed)),
        division_changed="division" in changed,
    )


def request_set_status(
    request: Request,
    *,
    actor,
    status: str,
    at: datetime | None = None,
    note: str = "",
    event: str = "",
) -> Activity:
    """Move the request along its life cycle; clocks pause, resume, stop or cancel with it.

    - waiting: clocks whose commitment allows it pause (the others keep running);
    - leaving waiting: they resume, their due instant moved on by the paused time;
    - resolved: clocks that stop on resolution stop, a progress series ends;
    - closed: every clock still owed is cancelled (a breach stays a breach);
    - reopen: resolved/closed → in progress; clocks do not restart.

    ``note`` is what the person typed; ``event`` an ``ActivityEvent`` the portal says instead
    (the customer's reply reopening the case).
    """
    now = timezone.now()
    with transaction.atomic():
        locked = lock(request)
        old = locked.status
        at = _status_time(locked, new=status, at=at, now=now)
        try:
            _clocks_follow_status(locked, old=old, new=status, at=at, actor=actor, now=now)
        except ClockError as error:
            raise DeskError({"at": [str(error)]}) from error
        _set_status(locked, status, at=at)
        activity = Activity.objects.create(
            request=locked,
            kind=ActivityKind.STATUS,
            at=at,
            recorded_at=now,
            actor=actor,
            event=event,
            text=note,
            from_status=old,
            to_status=status,
            public=True,
        )
        desk_clocks.next_due_refresh(locked)
        if status == Status.RESOLVED:
            survey_invite_on_resolution(locked, now=now)
    request.refresh_from_db()
    return activity


def _status_time(request: Request, *, new: str, at: datetime | None, now: datetime) -> datetime:
    """The instant of a move the status flow allows: after receipt and after the last move."""
    if new not in STATUS_FLOW[request.status]:
        raise DeskError(
            {
                "status": [
                    _("A request cannot go from %(old)s to %(new)s.")
                    % {"old": request.status, "new": new}
                ]
            }
        )
    at = instant(at, field="at", now=now, not_before=request.received_at)
    last_change = (
        request.activities.filter(kind=ActivityKind.STATUS)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last_change is not None and at < last_change:
        # Statuses follow one another: a change dated before the last one would pause or
        # resume clocks over time they have already been counted for.
        raise DeskError(
            {
                "at": [
                    _("This time is before the last status change (%(at)s).")
                    % {"at": local(last_change)}
                ]
            }
        )
    return at


def _set_status(request: Request, status: str, *, at: datetime) -> None:
    """The new status and the resolution and closing instants that go with it, saved."""
    if status == Status.RESOLVED:
        request.resolved_at = at
    elif status == Status.CLOSED:
        request.closed_at = at
        request.resolved_at = request.resolved_at or at
    elif request.status in (Status.RESOLVED, Status.CLOSED):
        request.resolved_at = request.closed_at = None
    request.status = status
    bump(request, "status", "resolved_at", "closed_at")


def _clocks_follow_status(request: Request, *, old: str, new: str, at, actor, now) -> None:
    if old == Status.WAITING:
        _resume_paused(request, new=new, at=at, actor=actor)
    follow = {
        Status.WAITING: _pause_pausable,
        Status.RESOLVED: _stop_on_resolution,
        Status.CLOSED: _cancel_owed,
    }.get(new)
    if follow is not None:
        follow(request, at=at, actor=actor, now=now)


def _resume_paused(request: Request, *, new: str, at, actor) -> None:
    for clock in desk_clocks.live_clocks(request):
        if clock.state == DeadlineState.PAUSED:
            deadline_resume(
                clock,
                at=at,
                actor=actor,
                note=f"status {new}",
                cause_data={"code": ClockCause.STATUS, "status": new},
            )


def _pause_pausable(request: Request, *, at, actor, now) -> None:
    """Waiting on the customer: the clocks whose commitment allows it pause."""
    for clock in desk_clocks.live_clocks(request):
        if (
            clock.state == DeadlineState.RUNNING
            and clock.params.get("pause_on_waiting")
            and clock.started_at <= at <= clock.due_at
        ):
            deadline_pause(
                clock,
                at=at,
                actor=actor,
                note="waiting on the customer",
                cause_data={"code": ClockCause.WAITING},
            )


def _stop_on_resolution(request: Request, *, at, actor, now) -> None:
    """Resolved: clocks that wait for it stop, and a progress series ends."""
    for clock in desk_clocks.live_clocks(request):
        if clock.started_at > at:
            continue
        resolved = {"code": ClockCause.RESOLVED}
        if clock.params.get("stop_status") == "resolved":
            deadline_stop(clock, at=at, cause="resolved", actor=actor, now=now, cause_data=resolved)
        elif clock.kind == "every":
            deadline_stop(
                clock,
                at=at,
                cause="resolved",
                actor=actor,
                continue_series=False,
                now=now,
                cause_data=resolved,
            )


def _cancel_owed(request: Request, *, at, actor, now) -> None:
    """Closed: every clock still owed is cancelled (a breach stays a breach)."""
    for clock in desk_clocks.live_clocks(request):
        deadline_cancel(
            clock,
            at=max(at, clock.started_at),
            cause="request closed",
            actor=actor,
            cause_data={"code": ClockCause.REQUEST_CLOSED},
        )


def request_add_note(
    request: Request, *, actor, text: str, files: Sequence[CheckedFile] = ()
) -> Activity:
    """An internal note on the timeline (never shown to the customer), with its ``files``
    (checked), which only staff can fetch."""
    now = timezone.now()
    note = Activity(
        request=request, kind=ActivityKind.NOTE, at=now, recorded_at=now, actor=actor, text=text
    )
    full_clean(note)
    with transaction.atomic():
        note.save()
        attachments_store(request, files, activity=note, from_customer=False)
    return note


def request_transfer(
    request: Request, *, actor, to_user=None, to_team=None, handoff_note: str
) -> Activity:
    """Hand the request to a person or a team, with the note the next handler reads first
    (``phone.transfer-context``: the customer never repeats what they already told us)."""
    if to_user is None and to_team is None:
        raise DeskError({"to": [_("Choose a person or a team to transfer to.")]})
    now = timezone.now()
    with transaction.atomic():
        locked = lock(request)
        if not locked.is_open:
            raise DeskError({"status": [_("The request is closed; reopen it to transfer it.")]})
        before = (locked.assignee, locked.team)
        locked.assignee, locked.team = to_user, _receiving_team(locked, to_user, to_team)
        handoff = Activity(
            request=locked,
            kind=ActivityKind.TRANSFER,
            at=now,
            recorded_at=now,
            actor=actor,
            text=handoff_note,
            to_user=locked.assignee,
            to_team=locked.team,
            data={
                "from_user": before[0].pk if before[0] else None,
                "from_team": before[1].pk if before[1] else None,
            },
        )
        full_clean(handoff, rename={"text": "handoff_note"})
        bump(locked, "assignee", "team")
        desk_clocks.clocks_readdress(locked)
        handoff.save()
    request.refresh_from_db()
    return handoff


def _receiving_team(request: Request, to_user, to_team):
    """The team that takes the request over: the one given, else the person's team in the
    request's division (the current team if it is theirs); both must work in the division."""
    if to_team is not None and to_team.division_id != request.division_id:
        raise DeskError(
            {
                "to_team": [
                    _("This team is in another division; change the request's division first.")
                ]
            }
        )
    if to_user is None:
        return to_team
    if not to_user.is_active:
        raise DeskError({"to_user": [_("This person does not work in the request's division.")]})
    _require_in_division(to_user, request, field="to_user")
    if to_team is not None:
        return to_team
    own = to_user.teams.filter(division_id=request.division_id).order_by("code")
    if request.team_id is not None and own.filter(pk=request.team_id).exists():
        return request.team
    return own.first() or request.team


def request_latest_handoff(request: Request) -> Activity | None:
    """The latest transfer, whose note the next handler reads first."""
    return request.activities.filter(kind=ActivityKind.TRANSFER).order_by("-at", "-pk").first()


# --- helpers ------------------------------------------------------------------------------


def _change(name: str, before, after) -> dict:
    """One changed field as the timeline keeps it: its name and its old and new values as codes
    (a choice's code, a date in ISO) or, for a row, its id with the names it had then."""
    if name == "body":  # long text: the timeline says it changed, the request shows it
        return {"field": name}
    return {"field": name, "old": _value(before), "new": _value(after)}


def _value(value):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "name_ko"):  # a division, team or service: named in both languages
        return {"id": value.pk, "name_ko": value.name_ko, "name_en": value.name_en}
    if hasattr(value, "get_username"):
        return {"id": value.pk, "name": value.get_full_name() or value.get_username()}
    return value
