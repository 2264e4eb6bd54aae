"""Timeline lines written before they were data: read their words back into codes and values.

Until now a line the portal wrote was stored as words in the language of whoever acted
("우선순위: normal → high", "Request received by 전화번호."). This reads the known sentences of
both languages back into ``Activity.event`` and ``data`` (field names, old and new values as
codes, clock codes and instants), and a clock event's note into ``data["cause"]`` or
``data["gaps"]``, so the line reads in its reader's language.

Best effort and lossless: a rewritten activity keeps the words it had in
``data["legacy_text"]`` (a clock event's note is never changed), and a line that does not read
back exactly stays as it was and is shown as stored.

The sentences are copied here as they were written (English msgids and their Korean
translations), not read from the catalogues, so this migration means the same thing whatever
the catalogues say later.
"""

import re
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.db import migrations
from django.db.models import Q

BODY_MAX = 10_000
BATCH = 500
SEOUL = timezone(timedelta(hours=9))

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
ROWS = ("division", "team", "service", "assignee")  # stored as a name: looked up again
PURPOSES = (
    "feasibility",
    "result",
    "eta",
    "progress",
    "plan",
    "callback",
    "delay",
    "schedule",
    "feedback",
    "other",
)
STATUSES = ("new", "in_review", "in_progress", "waiting", "resolved", "closed")

# The request fields' verbose names: English, Korean.
FIELD_LABELS = {
    "kind": ("kind", "유형"),
    "division": ("division", "본부"),
    "team": ("team", "팀"),
    "service": ("service", "서비스"),
    "priority": ("priority", "우선순위"),
    "subject": ("subject", "대상"),
    "body": ("details", "상세 정보"),
    "assignee": ("assignee", "처리 담당자"),
    "expected_completion": ("expected completion", "완료 예정 일시"),
    "requested_due": ("requested due date", "요청 기한일"),
}
BODY_CHANGED = ("details changed", "상세 정보 변경")
WHY = ("Why: ", "사유: ")
CLOCKS = ("Clocks: ", "기한: ")
CLOCK_MOVES = (
    (re.compile(r"^(?P<code>\S+) cancelled \(no longer owed\)$"), "cancelled"),
    (re.compile(r"^(?P<code>\S+) 취소\(더 이상 적용 대상 아님\)$"), "cancelled"),
    (re.compile(r"^(?P<code>\S+) now due (?P<due>.+?) \(was (?P<old>.+)\)$"), "recomputed"),
    (re.compile(r"^(?P<code>\S+) 기한 변경: (?P<due>.+?)\(기존 (?P<old>.+)\)$"), "recomputed"),
    (re.compile(r"^(?P<code>\S+) started, due (?P<due>.+)$"), "started"),
    (re.compile(r"^(?P<code>\S+) 시작, 기한 (?P<due>.+)$"), "started"),
)
LOCAL_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) KST$")
RECEIVED = (
    re.compile(r"^Request received by (.+)\.$"),
    re.compile(r"^(.+) 채널로 요청을 접수함\.$"),
)
UNDER_AN_HOUR = (
    "Handler expects to finish within an hour.",
    "처리 담당자가 1시간 이내에 완료할 예정입니다.",
)
REOPENED = ("Reopened: the customer wrote back.", "고객 메시지로 다시 열렸습니다.")
WROTE_BACK = (
    "The customer wrote back: no longer waiting.",
    "고객이 회신하여 더 이상 고객 대기 상태가 아닙니다.",
)
CALL_FROM = ("Call from {name}.", "{name} 님 전화 수신.")
CALLED_BACK = ("Called {name} back.", "{name} 님께 회신 전화함.")
VISITED = ("Visited; results explained to {name}.", "방문 완료. {name} 님께 결과를 설명함.")
UNKIND_REPORTED = ("Unkind service reported.", "불친절 신고가 접수되었습니다.")
OCCASION = ("Occasion: ", "발생 상황: ")
EMPLOYEE = ("Employee named: ", "지목된 직원: ")
CONFIRMED = (
    re.compile(r"^Unkind-service report confirmed; gift coupon (?P<code>\S+) issued\.$"),
    re.compile(r"^불친절 신고를 확인하고 상품권 (?P<code>\S+)을\(를\) 발급했습니다\.$"),
)
REJECTED = ("Unkind-service report rejected.", "불친절 신고를 반려했습니다.")
NOTE = ("Note: ", "메모: ")
NOT_TOLD = (
    "The reporter left no e-mail address and was not told.",
    "신고자가 이메일 주소를 남기지 않아 결과를 알리지 못했습니다.",
)
CHANGED_FIELDS = (re.compile(r"^changed: (.+)$"), re.compile(r"^변경 항목: (.+)$"))
NO_LONGER_OWED = re.compile(r"^(?P<reason>.*) — no longer owed$", re.DOTALL)
ROLES = {
    "assignee": "owner",
    "team manager": "team_manager",
    "division head": "division_head",
    "administrators": "superusers",
}
GAP_TOLD = re.compile(r"^no reachable (?P<role>.+?): told the (?P<told>.+)$")
GAP_NOBODY = re.compile(r"^no reachable (?P<role>.+) and nobody to fall back on$")
GAP_ON_CALL = "no on-call contact for this service outside working time"


# --- Activities -------------------------------------------------------------------------------


def parse_activity(row: dict, *, resolve=None, report=None, caller_name=None):
    """``(event, text, data)`` for an old line, or ``None`` when it is left as it is.

    ``row``: the activity's ``kind``, ``text``, ``data``, ``told_person``, ``actor_id`` and the
    request's ``channel``. ``resolve(field, shown)``: the value of a division, team, service or
    assignee shown by name (``{"name": shown}`` when unknown). ``report``: the request's
    unkind-service report (``occasion``, ``employee_name``, ``decision_note``), when there is one;
    ``caller_name``: the call's caller, when known."""
    kind, text, data = row["kind"], row["text"] or "", dict(row["data"] or {})
    parsed = None
    if kind == "note" and data.get("created") is True:
        if any(pattern.match(text) for pattern in RECEIVED):
            parsed = ("received", "", {**data, "channel": row["channel"]})
    elif kind == "note" and data.get("under_an_hour") and text in UNDER_AN_HOUR:
        parsed = ("under_an_hour", "", data)
    elif kind == "note" and data.get("unkind_report") is True:
        parsed = _unkind_reported(text, data, report)
    elif kind == "note" and data.get("decision") in ("confirmed", "rejected"):
        parsed = _unkind_decided(text, data, report)
    elif kind == "change":
        parsed = parse_change(text, data, resolve=resolve)
    elif kind == "status" and row.get("actor_id") is None and text in REOPENED:
        parsed = ("customer_reopened", "", data)
    elif kind == "status" and row.get("actor_id") is None and text in WROTE_BACK:
        parsed = ("customer_wrote_back", "", data)
    elif kind == "call":
        name = caller_name or _name_in(text, CALL_FROM)
        if name and text in _filled(CALL_FROM, name):
            parsed = ("call_from", "", {**data, "caller_name": name})
    elif kind == "communication" and "call" in data:
        if row["told_person"] and text in _filled(CALLED_BACK, row["told_person"]):
            parsed = ("called_back", "", data)
    elif kind == "visit" and row["told_person"] and text in _filled(VISITED, row["told_person"]):
        parsed = ("visited", "", data)
    if parsed is None:
        return None
    event, new_text, new_data = parsed
    return event, new_text, {**new_data, "legacy_text": text}


def parse_change(text: str, data: dict, *, resolve=None):
    """A change line: "label: old → new; …", then "Why: reason" and "Clocks: a; b" lines."""
    fields = [name for name in data.get("fields") or [] if name in UPDATABLE]
    if not fields or len(fields) != len(data.get("fields") or []):
        return None
    reason = data.get("reason") or ""
    clocks = [str(note) for note in data.get("clocks") or []]
    rest = text
    if clocks:
        rest = _cut_suffix(rest, CLOCKS, "; ".join(clocks))
    if reason and rest is not None:
        rest = _cut_suffix(rest, WHY, reason)
    if rest is None:
        return None
    pieces = _split_descriptions(rest, fields)
    if pieces is None:
        return None
    changes = [_change(name, piece, resolve) for name, piece in zip(fields, pieces, strict=True)]
    new_data = {key: value for key, value in data.items() if key != "reason"}
    new_data.update(changes=changes, clocks=[parse_clock_move(note) for note in clocks])
    return "changed", reason, new_data


def parse_clock_move(note: str):
    """A clock's note of a change ("common.feasibility now due 2026-09-28 15:00 KST (was …)") as
    its code, what happened and the instants in ISO; the note itself when it does not read back."""
    for pattern, event in CLOCK_MOVES:
        match = pattern.match(note)
        if match is None:
            continue
        move = {"code": match["code"], "event": event}
        for key, group in (("due_at", "due"), ("old_due_at", "old")):
            if group in match.groupdict():
                instant = _instant(match[group])
                if instant is None:
                    return note
                move[key] = instant
        return move
    return note


def _cut_suffix(text: str, prefixes, value: str):
    for prefix in prefixes:
        suffix = f"\n{prefix}{value}"
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return None


def _prefixes(name: str) -> list[str]:
    found = [f"{label}: " for label in FIELD_LABELS[name]]
    return [*BODY_CHANGED, *found] if name == "body" else found


def _split_descriptions(text: str, fields: list[str]):
    """The "; "-joined descriptions, one per field in order; each begins with its label (a
    typed subject may hold "; " itself, so only "; " before the next label splits)."""
    if not any(text.startswith(prefix) for prefix in _prefixes(fields[0])):
        return None
    starts = [0]
    for name in fields[1:]:
        found = [
            index
            for prefix in _prefixes(name)
            if (index := text.find(f"; {prefix}", starts[-1] + 1)) != -1
        ]
        if not found:
            return None
        starts.append(min(found))
    ends = [*starts[1:], len(text)]
    pieces = [text[start:end] for start, end in zip(starts, ends, strict=True)]
    return [piece.removeprefix("; ") for piece in pieces]


def _change(name: str, piece: str, resolve) -> dict:
    if name == "body":
        return {"field": name} if piece in BODY_CHANGED else {"field": name, "text": piece}
    prefix = next(p for p in _prefixes(name) if piece.startswith(p))
    values = piece[len(prefix) :].split(" → ")
    if len(values) != 2:
        return {"field": name, "text": piece}
    old, new = (_value(name, shown, resolve) for shown in values)
    return {"field": name, "old": old, "new": new}


def _value(name: str, shown: str, resolve):
    if shown == "—":
        return None
    if name in ROWS:
        return (resolve(name, shown) if resolve else None) or {"name": shown}
    return shown  # a choice's code, a date in ISO, a subject as typed


def _instant(shown: str):
    match = LOCAL_INSTANT.match(shown.strip())
    if match is None:
        return None
    return datetime.strptime(match[1], "%Y-%m-%d %H:%M").replace(tzinfo=SEOUL).isoformat()


def _filled(sentences, name: str) -> list[str]:
    return [sentence.format(name=name) for sentence in sentences]


def _name_in(text: str, sentences) -> str | None:
    for sentence in sentences:
        head, tail = sentence.split("{name}")
        if text.startswith(head) and text.endswith(tail) and len(text) > len(head + tail):
            return text[len(head) : len(text) - len(tail)]
    return None


def _unkind_reported(text: str, data: dict, report):
    """The report's line: its header, "Occasion: …" and "Employee named: …", in one language."""
    for header, occasion_prefix, employee_prefix in zip(
        UNKIND_REPORTED, OCCASION, EMPLOYEE, strict=True
    ):
        if report is not None:
            lines = [header, occasion_prefix + report["occasion"]]
            if report["employee_name"]:
                lines.append(employee_prefix + report["employee_name"])
            if text == "\n".join(lines)[:BODY_MAX]:
                occasion, employee = report["occasion"], report["employee_name"]
                break
            continue
        head, _newline, rest = text.partition("\n")
        if head != header or not rest.startswith(occasion_prefix):
            continue
        occasion, employee = rest[len(occasion_prefix) :], ""
        body, _newline, last = occasion.rpartition("\n")
        if body and last.startswith(employee_prefix):
            occasion, employee = body, last[len(employee_prefix) :]
        break
    else:
        return None
    return "unkind_reported", occasion[:BODY_MAX], {**data, "employee_name": employee}


def _unkind_decided(text: str, data: dict, report):
    """A decision's line: confirmed with its coupon or rejected, the note, and "not told"."""
    lines = text.split("\n")
    confirmed = any(pattern.match(lines[0]) for pattern in CONFIRMED)
    if not (confirmed or lines[0] in REJECTED):
        return None
    told = lines[-1] not in NOT_TOLD
    middle = "\n".join(lines[1:] if told else lines[1:-1])
    note = ""
    if middle:
        prefix = next((p for p in NOTE if middle.startswith(p)), None)
        if prefix is None:
            return None
        note = middle[len(prefix) :]
    if report is not None and report["decision_note"] and note != report["decision_note"]:
        return None
    event = "unkind_confirmed" if confirmed else "unkind_rejected"
    return event, note, {**data, "reporter_told": told}


# --- Clock events -------------------------------------------------------------------------------


def parse_clock_event(kind: str, note: str, *, change=None):
    """What to add to an old clock event's ``data`` (``cause`` or ``gaps``), or ``None``.

    ``change``: ``(fields, reason)`` of the request's change recorded at the same instant, for
    a recompute or cancellation whose note holds only the typed reason."""
    note = note or ""
    if kind in ("met", "stopped_late", "resumed"):
        if note.endswith(" communicated") and note.split(" ")[0] in PURPOSES:
            return {"cause": {"code": "communicated", "purpose": note.split(" ")[0]}}
        if note == "under an hour":
            return {"cause": {"code": "under_an_hour"}}
        if note == "resolved":
            return {"cause": {"code": "resolved"}}
    if kind == "resumed" and note.startswith("status ") and note[7:] in STATUSES:
        return {"cause": {"code": "status", "status": note[7:]}}
    if kind == "paused" and note == "waiting on the customer":
        return {"cause": {"code": "waiting"}}
    if kind == "cancelled":
        if note == "request closed":
            return {"cause": {"code": "request_closed"}}
        match = NO_LONGER_OWED.match(note)
        if match is not None:
            return {"cause": {"code": "no_longer_owed", **_why(match["reason"], change)}}
    if kind == "recomputed" and note:
        return {"cause": {"code": "changed", **_why(note, change)}}
    if kind in ("reminder", "breached", "escalated") and note:
        gaps = [_gap(part) for part in note.split("; ")]
        if all(gaps):
            return {"gaps": gaps}
    return None


def _why(reason: str, change) -> dict:
    """The fields changed and the reason typed, from "changed: kind, priority" or the reason."""
    for pattern in CHANGED_FIELDS:
        match = pattern.match(reason)
        names = [name.strip() for name in match[1].split(",")] if match else []
        if names and all(name in UPDATABLE for name in names):
            return {"fields": names, "reason": ""}
    fields, typed = change or ([], "")
    # The note kept the first 200 characters of the reason; the change line kept all of it.
    full = typed if typed and typed.startswith(reason[:190]) else reason
    return {"fields": list(fields), "reason": full}


def _gap(part: str):
    if part == GAP_ON_CALL:
        return {"role": "on_call", "told": None}
    if (match := GAP_TOLD.match(part)) and match["role"] in ROLES and match["told"] in ROLES:
        return {"role": ROLES[match["role"]], "told": ROLES[match["told"]]}
    if (match := GAP_NOBODY.match(part)) and match["role"] in ROLES:
        return {"role": ROLES[match["role"]], "told": None}
    return None


# --- The migration ------------------------------------------------------------------------------


def forwards(apps, schema_editor):
    Activity = apps.get_model("requests_desk", "Activity")
    DeadlineEvent = apps.get_model("commitments", "DeadlineEvent")
    changes = {
        (str(request_id), at): (data.get("fields") or [], data.get("reason") or "")
        for request_id, at, data in Activity.objects.filter(kind="change").values_list(
            "request_id", "at", "data"
        )
    }
    _clock_events(DeadlineEvent, changes)
    _activities(apps, Activity)


def _clock_events(DeadlineEvent, changes) -> None:
    events = (
        DeadlineEvent.objects.filter(deadline__subject_type="request")
        .exclude(note="")
        .select_related("deadline")
        .order_by("pk")
    )
    batch = []
    for event in events.iterator(chunk_size=BATCH):
        if "cause" in event.data or "gaps" in event.data:
            continue
        change = changes.get((event.deadline.subject_id, event.at))
        found = parse_clock_event(event.kind, event.note, change=change)
        if found:
            event.data = {**event.data, **found}
            batch.append(event)
        if len(batch) >= BATCH:
            DeadlineEvent.objects.bulk_update(batch, ["data"])
            batch = []
    DeadlineEvent.objects.bulk_update(batch, ["data"])


def _activities(apps, Activity) -> None:
    PhoneCall = apps.get_model("requests_desk", "PhoneCall")
    UnkindServiceReport = apps.get_model("requests_desk", "UnkindServiceReport")
    resolve = _resolver(apps)
    candidates = (
        Activity.objects.filter(event="")
        .exclude(text="")
        .filter(
            Q(kind="note", data__has_key="created")
            | Q(kind="note", data__has_key="under_an_hour")
            | Q(kind="note", data__has_key="unkind_report")
            | Q(kind="change")
            | Q(kind="status", actor__isnull=True)
            | Q(kind="call")
            | Q(kind="communication", purpose="callback")
            | Q(kind="visit")
        )
        .select_related("request")
        .order_by("pk")
    )
    batch = []
    for activity in candidates.iterator(chunk_size=BATCH):
        data = activity.data or {}
        if "legacy_text" in data:
            continue
        report = None
        if "unkind_report" in data:
            report = (
                UnkindServiceReport.objects.filter(request_id=activity.request_id)
                .values("occasion", "employee_name", "decision_note")
                .first()
            )
        caller_name = None
        if activity.kind == "call" and data.get("call"):
            caller_name = (
                PhoneCall.objects.filter(pk=data["call"])
                .values_list("caller_name", flat=True)
                .first()
            )
        row = {
            "kind": activity.kind,
            "text": activity.text,
            "data": data,
            "told_person": activity.told_person,
            "actor_id": activity.actor_id,
            "channel": activity.request.channel,
        }
        parsed = parse_activity(row, resolve=resolve, report=report, caller_name=caller_name)
        if parsed is None:
            continue
        activity.event, activity.text, activity.data = parsed
        batch.append(activity)
        if len(batch) >= BATCH:
            Activity.objects.bulk_update(batch, ["event", "text", "data"])
            batch = []
    Activity.objects.bulk_update(batch, ["event", "text", "data"])


def _resolver(apps):
    """Find a division, team or service by the name it was shown with, a person by username."""
    models = {
        "division": apps.get_model("commitments", "Division"),
        "team": apps.get_model("commitments", "Team"),
        "service": apps.get_model("commitments", "Service"),
    }
    User = apps.get_model(settings.AUTH_USER_MODEL)

    def resolve(field: str, shown: str):
        if field == "assignee":
            user = User.objects.filter(username=shown).first()
            if user is None:
                return None
            full = f"{user.first_name} {user.last_name}".strip()
            return {"id": user.pk, "name": full or user.username}
        rows = list(models[field].objects.filter(Q(name_ko=shown) | Q(name_en=shown))[:2])
        if len(rows) != 1:
            return None
        return {"id": rows[0].pk, "name_ko": rows[0].name_ko, "name_en": rows[0].name_en}

    return resolve


def backwards(apps, schema_editor):
    """Old rows get their words back; lines written as data since keep only their codes."""
    Activity = apps.get_model("requests_desk", "Activity")
    batch = []
    for activity in Activity.objects.filter(data__has_key="legacy_text").iterator(BATCH):
        data = dict(activity.data)
        activity.text = data.pop("legacy_text")
        activity.event = ""
        activity.data = data
        batch.append(activity)
    Activity.objects.bulk_update(batch, ["text", "event", "data"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("requests_desk", "0008_activity_event"),
        ("commitments", "0003_open_clocks_covering_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
