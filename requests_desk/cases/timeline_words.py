"""The timeline's lines in the reader's language.

A line is kept as codes and values — an activity's ``event`` and ``data``, a clock event's
``data["cause"]`` and ``data["gaps"]`` — and put into words here, when it is read, in the
active language: field names by their verbose names, choices by their labels, divisions and
teams by their name in that language. What a person typed is shown as typed. A row that predates
this and could not be read back into codes (migration 0008) shows its stored words.

Pure functions over the rows already loaded: no queries, whatever the length of the timeline.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils import dateformat, timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from requests_desk.models import Activity, ActivityEvent, CustomerContact, Request
from requests_desk.vocabulary import Channel, ClockCause, Purpose, Status

NOTHING = "—"


@dataclass(frozen=True)
class Words:
    lines: tuple[str, ...] = ()  # what the portal says, in the reader's language
    text: str = ""  # what a person typed (or an old row's stored words), shown as it is


def activity_words(activity: Activity) -> Words:
    """What an activity says: the portal's lines for its event, and the text typed with it."""
    wording = WORDINGS.get(activity.event)
    if wording is None:
        return Words((), activity.text)
    return wording(activity.data or {}, activity.text, activity)


def _received(data, text, activity) -> Words:
    channel = _label(Channel, data.get("channel"))
    return Words((_("Request received by %(channel)s.") % {"channel": channel},), text)


def _changed(data, text, activity) -> Words:
    lines = [change_line(change) for change in data.get("changes") or []]
    if text:  # the reason typed with the change
        lines.append(_("Why: %(reason)s") % {"reason": text})
    moves = [clock_move_line(move) for move in data.get("clocks") or []]
    if moves:
        lines.append(_("Clocks: %(notes)s") % {"notes": "; ".join(moves)})
    return Words(tuple(lines))


def _said(message):
    """A wording that is one fixed line, with the typed text beside it."""
    return lambda data, text, activity: Words((str(message),), text)


def _call_from(data, text, activity) -> Words:
    name = data.get("caller_name") or NOTHING
    return Words((_("Call from %(name)s.") % {"name": name},), text)


def _called_back(data, text, activity) -> Words:
    name = activity.told_person or NOTHING
    return Words((_("Called %(name)s back.") % {"name": name},), text)


def _visited(data, text, activity) -> Words:
    name = activity.told_person or NOTHING
    return Words((_("Visited; results explained to %(name)s.") % {"name": name},), text)


def _unkind_reported(data, text, activity) -> Words:
    lines = [_("Unkind service reported.")]
    if text:  # the occasion, as the customer wrote it
        lines.append(_("Occasion: %(text)s") % {"text": text})
    if data.get("employee_name"):
        lines.append(_("Employee named: %(name)s") % {"name": data["employee_name"]})
    return Words(tuple(lines))


def _unkind_decided(data, text, activity) -> Words:
    if activity.event == ActivityEvent.UNKIND_CONFIRMED:
        lines = [
            _("Unkind-service report confirmed; gift coupon %(code)s issued.")
            % {"code": data.get("coupon") or NOTHING}
        ]
    else:
        lines = [_("Unkind-service report rejected.")]
    if text:  # the manager's note
        lines.append(_("Note: %(note)s") % {"note": text})
    if data.get("reporter_told") is False:
        lines.append(_("The reporter left no e-mail address and was not told."))
    return Words(tuple(lines))


def _merged(data, text, activity) -> Words:
    absorbed = data.get("absorbed") or {}
    lines = [
        _("Absorbed the duplicate %(code)s (%(subject)s).")
        % {"code": absorbed.get("tracking_code") or NOTHING, "subject": absorbed.get("subject")}
    ]
    lines.extend(_merge_clock_lines(data))
    return Words(tuple(lines), text)


def _merged_into(data, text, activity) -> Words:
    into = data.get("into") or {}
    lines = [
        _("Merged into %(code)s as a duplicate; follow that request.")
        % {"code": into.get("tracking_code") or NOTHING}
    ]
    lines.extend(_merge_clock_lines(data))
    return Words(tuple(lines), text)


def _merge_clock_lines(data) -> list[str]:
    codes = [move.get("code", "") for move in data.get("clocks") or [] if isinstance(move, dict)]
    if not codes:
        return []
    return [_("Clocks cancelled (merged): %(codes)s") % {"codes": ", ".join(codes)}]


#: How each event is worded, from its ``data``, the text typed with it, and the row.
WORDINGS = {
    ActivityEvent.RECEIVED: _received,
    ActivityEvent.CHANGED: _changed,
    ActivityEvent.UNDER_AN_HOUR: _said(gettext_lazy("Handler expects to finish within an hour.")),
    ActivityEvent.CALL_FROM: _call_from,
    ActivityEvent.CALLED_BACK: _called_back,
    ActivityEvent.VISITED: _visited,
    ActivityEvent.CUSTOMER_REOPENED: _said(gettext_lazy("Reopened: the customer wrote back.")),
    ActivityEvent.CUSTOMER_WROTE_BACK: _said(
        gettext_lazy("The customer wrote back: no longer waiting.")
    ),
    ActivityEvent.UNKIND_REPORTED: _unkind_reported,
    ActivityEvent.UNKIND_CONFIRMED: _unkind_decided,
    ActivityEvent.UNKIND_REJECTED: _unkind_decided,
    ActivityEvent.MERGED: _merged,
    ActivityEvent.MERGED_INTO: _merged_into,
    ActivityEvent.WORK_STARTED: _said(
        gettext_lazy("In progress: the customer has heard from us for the first time.")
    ),
}


def clock_event_words(event) -> Words:
    """What a clock event says: why the desk moved the clock (``data["cause"]``), whom the sweep
    could not reach (``data["gaps"]``); else its note, as it was written."""
    data = event.data or {}
    lines = []
    cause = data.get("cause")
    if isinstance(cause, dict):
        lines.extend(cause_lines(cause))
    lines.extend(gap_line(gap) for gap in data.get("gaps") or [] if isinstance(gap, dict))
    return Words(tuple(lines)) if lines else Words((), event.note)


def cause_lines(cause: dict) -> list[str]:
    reason = cause.get("reason") or ""
    match cause.get("code"):
        case ClockCause.COMMUNICATED:
            purpose = _label(Purpose, cause.get("purpose"))
            return [_("Told the customer: %(purpose)s") % {"purpose": purpose}]
        case ClockCause.UNDER_AN_HOUR:
            return [_("Handler expects to finish within an hour.")]
        case ClockCause.RESOLVED:
            return [_("The request was resolved.")]
        case ClockCause.REQUEST_CLOSED:
            return [_("The request was closed.")]
        case ClockCause.WAITING:
            return [_("Waiting on the customer.")]
        case ClockCause.MERGED:
            return [
                _("Merged into %(code)s: no longer owed here.")
                % {"code": cause.get("into") or NOTHING}
            ]
        case ClockCause.STATUS:
            return [_("Status: %(status)s") % {"status": _label(Status, cause.get("status"))}]
        case ClockCause.CHANGED | ClockCause.NO_LONGER_OWED as code:
            fields = ", ".join(field_label(name) for name in cause.get("fields") or [])
            if code == ClockCause.CHANGED:
                lines = [_("Changed: %(fields)s") % {"fields": fields or NOTHING}]
            else:
                lines = [_("No longer owed after a change of %(fields)s") % {"fields": fields}]
            if reason:
                lines.append(_("Why: %(reason)s") % {"reason": reason})
            return lines
    return [reason] if reason else []


# Whom the sweep could not reach (``notifications.recipients.Audience.gaps``).
def gap_line(gap: dict) -> str:
    roles = {
        "owner": _("assignee"),
        "team_manager": _("team manager"),
        "division_head": _("division head"),
        "superusers": _("administrators"),
        "on_call": _("on-call contact"),
    }
    role, told = gap.get("role"), gap.get("told")
    if role == "on_call":
        return _("No on-call contact for this service outside working time.")
    role_words = roles.get(role, role)
    if told:
        return _("No reachable %(role)s: told the %(told)s instead.") % {
            "role": role_words,
            "told": roles.get(told, told),
        }
    return _("No reachable %(role)s, and nobody to fall back on.") % {"role": role_words}


def change_line(change) -> str:
    """A field of the request and its old and new values ("Priority: Normal → High")."""
    if not isinstance(change, dict):  # an old line that could not be read back into codes
        return str(change)
    if "text" in change:
        return str(change["text"])
    name = change.get("field", "")
    label = field_label(name)
    if "old" not in change and "new" not in change:
        return _("%(label)s changed") % {"label": label}
    old, new = value_words(name, change.get("old")), value_words(name, change.get("new"))
    return f"{label}: {old} → {new}"


def clock_move_line(move) -> str:
    """What a change did to one clock: cancelled, due elsewhere, or started."""
    if not isinstance(move, dict):
        return str(move)
    code = move.get("code", "")
    match move.get("event"):
        case "cancelled":
            return _("%(code)s cancelled (no longer owed)") % {"code": code}
        case "recomputed":
            return _("%(code)s now due %(due)s (was %(old)s)") % {
                "code": code,
                "due": instant_words(move.get("due_at")),
                "old": instant_words(move.get("old_due_at")),
            }
        case "started":
            return _("%(code)s started, due %(due)s") % {
                "code": code,
                "due": instant_words(move.get("due_at")),
            }
    return str(move.get("text") or code)


def field_label(name: str) -> str:
    """A request field by its verbose name, in the active language ("priority" → "Priority")."""
    try:
        return capfirst(str(Request._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        pass
    if name.startswith("customer_"):  # a customer's detail, accepted from what a case gave
        try:
            detail = CustomerContact._meta.get_field(name.removeprefix("customer_"))
        except FieldDoesNotExist:
            return name
        return _("Customer's %(detail)s") % {"detail": detail.verbose_name}
    return name


def value_words(name: str, value) -> str:
    """A field's value as the timeline keeps it, in words: a choice by its label, a division,
    team or service by its name in the active language, a person by name, a date as is."""
    if value in (None, ""):
        return NOTHING
    if isinstance(value, dict):
        if "name_ko" in value or "name_en" in value:
            english = (get_language() or "ko").startswith("en")
            name_first = ("name_en", "name_ko") if english else ("name_ko", "name_en")
            return str(value.get(name_first[0]) or value.get(name_first[1]) or NOTHING)
        return str(value.get("name") or value.get("id") or NOTHING)
    try:
        field = Request._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def instant_words(value) -> str:
    """An instant kept in ISO, in Seoul time ("2026-09-28 (월) 15:00" when reading Korean)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return NOTHING
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return dateformat.format(timezone.localtime(value), "Y-m-d (D) H:i")


def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code or NOTHING)
