"""Requests: logging one, changing it, its status life cycle, transfers and notes."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import may_see_division
from commitments.deadlines import (
    ClockError,
    deadline_cancel,
    deadline_pause,
    deadline_resume,
    deadline_stop,
)
from commitments.models import DeadlineState
from requests_desk.models import Activity, ActivityEvent, ActivityKind, CustomerContact, Request
from requests_desk.models.requests import BODY_MAX, SUBJECT_MAX
from requests_desk.services import clocks as desk_clocks
from requests_desk.services._common import (
    bump,
    checked_date,
    clean_text,
    default_team,
    division_of,
    instant,
    local,
    lock,
    service_of,
    team_of,
    user_of,
)
from requests_desk.services.errors import DeskError, StaleEdit
from requests_desk.services.messages import acknowledgement_enqueue
from requests_desk.services.surveys import survey_invite_on_resolution
from requests_desk.vocabulary import (
    STATUS_FLOW,
    Channel,
    ClockCause,
    Priority,
    RequestKind,
    Status,
)

UPDATABLE = (
    "kind",
    "division",
    "team",
    "service",
    "priority",
    "subject",
    "body",
    "assignee",
    "expected_completion",
    "requested_due",
)
# Changes that move clocks: recompute every open one (and start or cancel what the rules say).
RECOMPUTING = ("kind", "division", "service", "priority")


def request_create(
    *,
    actor,
    kind: str,
    channel: str,
    division,
    customer,
    subject: str,
    body: str = "",
    received_at: datetime | None = None,
    team=None,
    service=None,
    priority: str = Priority.NORMAL,
    assignee=None,
    expected_completion=None,
    requested_due=None,
) -> Request:
    """Log a request, start the clocks it owes, and acknowledge it to the customer."""
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    fields = {}
    for name, check in (
        ("kind", lambda: _choice(kind, RequestKind, "kind")),
        ("channel", lambda: _choice(channel, Channel, "channel")),
        ("priority", lambda: _choice(priority, Priority, "priority")),
        ("subject", lambda: clean_text(subject, field="subject", limit=SUBJECT_MAX, required=True)),
        ("body", lambda: clean_text(body, field="body", limit=BODY_MAX, required=False)),
        ("received_at", lambda: instant(received_at, field="received_at", now=now)),
        ("division", lambda: division_of(division)),
        ("customer", lambda: _customer(customer)),
        ("assignee", lambda: user_of(assignee, field="assignee")),
    ):
        try:
            fields[name] = check()
        except DeskError as error:
            errors.update(error.message_dict)
    if "received_at" in fields:
        for name, value in (
            ("expected_completion", expected_completion),
            ("requested_due", requested_due),
        ):
            try:
                fields[name] = checked_date(value, field=name, received_at=fields["received_at"])
            except DeskError as error:
                errors.update(error.message_dict)
    if "division" in fields:
        try:
            fields.update(_placement(fields["division"], team=team, service=service))
        except DeskError as error:
            errors.update(error.message_dict)
        assignee_row = fields.get("assignee")
        if assignee_row is not None and not may_see_division(assignee_row, fields["division"].pk):
            errors["assignee"] = [_("This person does not work in the request's division.")]
    if errors:
        raise DeskError(errors)
    with transaction.atomic():
        request = Request.objects.create(created_by=actor, created_at=now, **fields)
        Activity.objects.create(
            request=request,
            kind=ActivityKind.NOTE,
            at=request.received_at,
            recorded_at=now,
            actor=actor,
            event=ActivityEvent.RECEIVED,
            data={"created": True, "channel": request.channel},
        )
        started = desk_clocks.clocks_start_owed(request, actor=actor, now=now)
        desk_clocks.next_due_refresh(request)
        acknowledgement_enqueue(request, clocks=started)
    return request


def request_update(
    request: Request, *, actor, version: int | None = None, reason: str = "", **changes
) -> Request:
    """Change a request's details; clocks follow, and the timeline says what changed and why.

    The row is locked, so two concurrent edits run one after the other; an edit made on an
    older ``version`` (someone saved in between) is refused with :class:`StaleEdit`."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise DeskError(
            {name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
        )
    now = timezone.now()
    reason = clean_text(reason, field="reason", limit=500, required=False)
    with transaction.atomic():
        locked = lock(request)
        if version is not None and int(version) != locked.version:
            raise StaleEdit(
                _("Someone changed this request since you opened it; reload and try again.")
            )
        if not locked.is_open:
            raise DeskError({"status": [_("The request is closed; reopen it to change it.")]})
        changed = _apply(locked, changes)
        if not changed:
            request.refresh_from_db()
            return request
        bump(locked, *changed)
        changes = [_change(name, before, getattr(locked, name)) for name, before in changed.items()]
        if {"team", "assignee"} & set(changed):
            desk_clocks.clocks_readdress(locked)
        if "division" in changed:
            desk_clocks.clocks_redivision(locked)
        clock_moves = []
        if {*RECOMPUTING, "expected_completion", "requested_due"} & set(changed):
            clock_moves = desk_clocks.clocks_sync(
                locked,
                actor=actor,
                at=now,
                reason=reason or f"changed: {', '.join(changed)}",
                cause_data={"fields": list(changed), "reason": reason},
                recompute=bool(set(RECOMPUTING) & set(changed)),
                division_changed="division" in changed,
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
            data={"fields": list(changed), "changes": changes, "clocks": clock_moves},
        )
        desk_clocks.next_due_refresh(locked)
    request.refresh_from_db()
    return request


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
    note = clean_text(note, field="note", limit=BODY_MAX, required=False)
    with transaction.atomic():
        locked = lock(request)
        old = locked.status
        if status not in Status.values:
            raise DeskError({"status": [_("Unknown status.")]})
        if status not in STATUS_FLOW[old]:
            raise DeskError(
                {
                    "status": [
                        _("A request cannot go from %(old)s to %(new)s.")
                        % {"old": old, "new": status}
                    ]
                }
            )
        at = instant(at, field="at", now=now, not_before=locked.received_at)
        last_change = (
            locked.activities.filter(kind=ActivityKind.STATUS)
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
        try:
            _clocks_follow_status(locked, old=old, new=status, at=at, actor=actor, now=now)
        except ClockError as error:
            raise DeskError({"at": [str(error)]}) from error
        locked.status = status
        if status == Status.RESOLVED:
            locked.resolved_at = at
        elif status == Status.CLOSED:
            locked.closed_at = at
            locked.resolved_at = locked.resolved_at or at
        elif old in (Status.RESOLVED, Status.CLOSED):
            locked.resolved_at = locked.closed_at = None
        bump(locked, "status", "resolved_at", "closed_at")
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


def _clocks_follow_status(request: Request, *, old: str, new: str, at, actor, now) -> None:
    if old == Status.WAITING:
        for clock in desk_clocks.live_clocks(request):
            if clock.state == DeadlineState.PAUSED:
                deadline_resume(
                    clock,
                    at=at,
                    actor=actor,
                    note=f"status {new}",
                    cause_data={"code": ClockCause.STATUS, "status": new},
                )
    if new == Status.WAITING:
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
    elif new == Status.RESOLVED:
        for clock in desk_clocks.live_clocks(request):
            if clock.started_at > at:
                continue
            resolved = {"code": ClockCause.RESOLVED}
            if clock.params.get("stop_status") == "resolved":
                deadline_stop(
                    clock, at=at, cause="resolved", actor=actor, now=now, cause_data=resolved
                )
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
    elif new == Status.CLOSED:
        for clock in desk_clocks.live_clocks(request):
            deadline_cancel(
                clock,
                at=max(at, clock.started_at),
                cause="request closed",
                actor=actor,
                cause_data={"code": ClockCause.REQUEST_CLOSED},
            )


def request_add_note(request: Request, *, actor, text: str) -> Activity:
    """An internal note on the timeline (never shown to the customer)."""
    text = clean_text(text, field="text", limit=BODY_MAX, required=True)
    now = timezone.now()
    return Activity.objects.create(
        request=request, kind=ActivityKind.NOTE, at=now, recorded_at=now, actor=actor, text=text
    )


def request_transfer(
    request: Request, *, actor, to_user=None, to_team=None, handoff_note: str
) -> Activity:
    """Hand the request to a person or a team, with the note the next handler reads first
    (``phone.transfer-context``: the customer never repeats what they already told us)."""
    errors: dict[str, list[str]] = {}
    try:
        handoff_note = clean_text(handoff_note, field="handoff_note", limit=BODY_MAX, required=True)
    except DeskError:
        errors["handoff_note"] = [
            _("Write what the next handler needs to know, so the customer need not repeat it.")
        ]
    try:
        to_user = user_of(to_user, field="to_user")
        to_team = team_of(to_team, field="to_team")
    except DeskError as error:
        errors.update(error.message_dict)
        to_user = to_team = None
    if not errors and to_user is None and to_team is None:
        errors["to"] = [_("Choose a person or a team to transfer to.")]
    if errors:
        raise DeskError(errors)
    now = timezone.now()
    with transaction.atomic():
        locked = lock(request)
        if not locked.is_open:
            raise DeskError({"status": [_("The request is closed; reopen it to transfer it.")]})
        if to_team is not None and to_team.division_id != locked.division_id:
            raise DeskError(
                {
                    "to_team": [
                        _("This team is in another division; change the request's division first.")
                    ]
                }
            )
        if to_user is not None:
            if not (to_user.is_active and may_see_division(to_user, locked.division_id)):
                raise DeskError(
                    {"to_user": [_("This person does not work in the request's division.")]}
                )
            if to_team is None:
                own = to_user.teams.filter(division_id=locked.division_id).order_by("code")
                if locked.team_id is None or not own.filter(pk=locked.team_id).exists():
                    to_team = own.first() or locked.team
        before = (locked.assignee, locked.team)
        locked.assignee = to_user
        locked.team = to_team or locked.team
        bump(locked, "assignee", "team")
        desk_clocks.clocks_readdress(locked)
        activity = Activity.objects.create(
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
    request.refresh_from_db()
    return activity


def request_latest_handoff(request: Request) -> Activity | None:
    """The latest transfer, whose note the next handler reads first."""
    return request.activities.filter(kind=ActivityKind.TRANSFER).order_by("-at", "-pk").first()


# --- helpers ------------------------------------------------------------------------------


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise DeskError(
            {field: [_("Unknown %(field)s: %(value)s.") % {"field": field, "value": value}]}
        )
    return value


def _customer(value) -> CustomerContact:
    if isinstance(value, CustomerContact):
        return value
    try:
        return CustomerContact.objects.get(pk=int(value))
    except (TypeError, ValueError, CustomerContact.DoesNotExist):
        raise DeskError({"customer": [_("Unknown customer.")]}) from None


def _placement(division, *, team, service) -> dict:
    """Team and service checked against the division; the team defaults from them."""
    errors: dict[str, list[str]] = {}
    try:
        service = service_of(service)
    except DeskError as error:
        errors.update(error.message_dict)
        service = None
    try:
        team = team_of(team)
    except DeskError as error:
        errors.update(error.message_dict)
        team = None
    if service is not None and service.division_id != division.pk:
        errors["service"] = [_("This service belongs to another division.")]
    if team is not None and team.division_id != division.pk:
        errors["team"] = [_("This team belongs to another division.")]
    if errors:
        raise DeskError(errors)
    return {
        "service": service,
        "team": team or default_team(division=division, service=service),
    }


def _apply(request: Request, changes: dict) -> dict:
    """Validate and set ``changes`` on ``request``; the fields that changed, with old values."""
    errors: dict[str, list[str]] = {}
    values = {}
    checks = {
        "kind": lambda v: _choice(v, RequestKind, "kind"),
        "priority": lambda v: _choice(v, Priority, "priority"),
        "subject": lambda v: clean_text(v, field="subject", limit=SUBJECT_MAX, required=True),
        "body": lambda v: clean_text(v, field="body", limit=BODY_MAX, required=False),
        "division": lambda v: division_of(v),
        "assignee": lambda v: user_of(v, field="assignee"),
        "team": lambda v: team_of(v),
        "service": lambda v: service_of(v),
        "expected_completion": lambda v: checked_date(
            v, field="expected_completion", received_at=request.received_at
        ),
        "requested_due": lambda v: checked_date(
            v, field="requested_due", received_at=request.received_at
        ),
    }
    for name, value in changes.items():
        try:
            values[name] = checks[name](value)
        except DeskError as error:
            errors.update(error.message_dict)
    if errors:
        raise DeskError(errors)
    division = values.get("division", request.division)
    if "division" in values and values["division"] != request.division:
        # Moving division: the team and service follow unless given.
        values.setdefault(
            "service",
            request.service
            if request.service and request.service.division_id == division.pk
            else None,
        )
        if "team" not in values and (
            request.team is None or request.team.division_id != division.pk
        ):
            values["team"] = None
    service = values.get("service", request.service)
    if service is not None and service.division_id != division.pk:
        errors["service"] = [_("This service belongs to another division.")]
    team = values.get("team", request.team)
    if "team" in values and team is None:
        values["team"] = default_team(division=division, service=service)
    elif team is not None and team.division_id != division.pk:
        errors["team"] = [_("This team belongs to another division.")]
    assignee = values.get("assignee", request.assignee)
    moved = "assignee" in values or "division" in values
    if assignee is not None and moved and not may_see_division(assignee, division.pk):
        errors["assignee"] = [_("This person does not work in the request's division.")]
    if errors:
        raise DeskError(errors)
    changed = {}
    for name, value in values.items():
        before = getattr(request, name)
        if before != value:
            changed[name] = before
            setattr(request, name, value)
    return changed


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
