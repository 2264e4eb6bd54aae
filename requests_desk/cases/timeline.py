"""A request's timeline: its activities and its clocks' events, in time order.

Clock events are read from the clocks (``commitments``), never copied into ``Activity``: two
queries whatever the length of the timeline; the activities' attachments (files sent or received
with a communication) come from the family's files the page reads anyway. The duplicates the
request absorbed are read as a join and a subquery, not by a query of their own. Each line is
put into words as it is read, in the active language
(:mod:`requests_desk.cases.timeline_words`)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import get_language

from commitments.models import Deadline, DeadlineEvent, Team
from commitments.models.deadline import clock_terms_attach
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.cases.merge import request_family
from requests_desk.cases.timeline_words import activity_words, clock_event_words
from requests_desk.models import Activity, ActivityKind, Attachment, Request


@dataclass(frozen=True)
class TimelineEntry:
    source: str  # "activity" or "clock"
    kind: str  # an ActivityKind, or a clock EventKind ("started", "met", "breached" …)
    at: datetime
    actor: object | None  # a user or None (the sweep, the customer)
    text: str = ""  # what a person typed, as typed (or an old row's stored words)
    lines: tuple[str, ...] = ()  # what the portal says, in the reader's language
    event: str = ""  # an ActivityEvent: the code the lines are written from
    label: str = ""  # the kind in words, translated
    clock_code: str = ""
    deadline_id: int | None = None
    due_at: datetime | None = None
    purpose: str = ""
    channel: str = ""
    told_person: str = ""
    to_user: object | None = None
    to_team: object | None = None
    from_status: str = ""
    to_status: str = ""
    public: bool = False
    activity: Activity | None = None
    data: dict = field(default_factory=dict)
    origin: str = ""  # the tracking code of the absorbed duplicate the line comes from
    files: tuple = ()  # the activity's attachments, when the caller gave the family's files
    purpose_label: str = ""  # the purpose and channel in words, translated
    channel_label: str = ""

    @property
    def is_clock(self) -> bool:
        return self.source == "clock"

    # The instants as the template's ``|date:"c"`` and ``|date:"m-d (D) H:i"`` wrote them, two
    # or three a line, without the date formatter, which parsed its format anew each time.
    @property
    def at_iso(self) -> str:
        return timezone.localtime(self.at).isoformat()

    @property
    def at_words(self) -> str:
        at = timezone.localtime(self.at)
        return f"{at:%m-%d} ({WEEKDAYS_ABBR[at.weekday()]}) {at:%H:%M}"

    @property
    def due_words(self) -> str:
        """``|date:"Y-m-d (D) H:i"`` of the due instant."""
        if self.due_at is None:
            return ""
        due = timezone.localtime(self.due_at)
        return f"{due:%Y-%m-%d} ({WEEKDAYS_ABBR[due.weekday()]}) {due:%H:%M}"


#: Each choice field's labels by value, per language (:func:`_choice_label`).
_LABELS: dict[tuple, dict[str, str]] = {}


def _choice_label(model, name: str, value: str) -> str:
    """What ``get_<name>_display()`` says: that builds and hashes the field's every choice,
    each translated, for one label (a third of the timeline's Python, four times a line)."""
    key = (model, name, get_language())
    labels = _LABELS.get(key)
    if labels is None:
        field = model._meta.get_field(name)
        labels = _LABELS[key] = {str(code): str(label) for code, label in field.flatchoices}
    return labels.get(value, value)


def request_family_clocks(request: Request) -> list[Deadline]:
    """Every clock of the request and of the duplicates it absorbed, oldest first, with their
    commitment and terms (not their owner or team): the request page's clocks and the
    timeline's clock lines from one query. The terms are the ones remembered per process
    (:func:`~commitments.models.deadline.clock_terms_attach`), not decoded again per clock."""
    return clock_terms_attach(
        list(
            Deadline.objects.of_subjects(REQUEST_SUBJECT, request_family(request))
            .select_related("commitment")
            .with_terms_digest()
            .order_by("started_at", "pk")
        )
    )


def request_files(request: Request) -> list[Attachment]:
    """Every file of the request and of the duplicates it absorbed, oldest first."""
    return list(Attachment.objects.filter(request_id__in=request_family(request)))


def request_timeline(
    request: Request,
    *,
    files: list | None = None,
    clocks: list | None = None,
    teams: dict[int, Team] | None = None,
) -> list[TimelineEntry]:
    """Activities and clock events merged by instant (activities first on a tie), in words of
    the active language; with those of the duplicates the request absorbed, marked with their
    tracking code. With ``files`` (:func:`request_files`), each activity's line carries its
    attachments; with ``clocks`` (every clock of the request and its duplicates, as
    :func:`~requests_desk.cases.clocks.request_family_clocks` reads them), their events are
    read by the clocks' ids; with ``teams`` (by id: the catalogue remembered), a hand-off's
    team is taken from them instead of joined (one missing is read when shown)."""
    # Every absorbed duplicate has a line of its own (its "merged into" status line), so its
    # tracking code comes with the activities' join. The family is a subquery on the activities'
    # own key: "the request or one merged into it" across the join was a filter PostgreSQL
    # could only apply to every activity of every request (468 ms with four a request at 100k).
    family = request_family(request)
    activities = Activity.objects.filter(request_id__in=family).select_related(
        "actor", "to_user", *(() if teams is not None else ("to_team",))
    )
    if isinstance(family, QuerySet):  # duplicates: their lines carry their tracking code
        activities = activities.annotate(origin_code=F("request__tracking_code"))
    activities = list(activities)
    if teams is not None:
        link = Activity.to_team.field
        for activity in activities:
            if activity.to_team_id is None:
                link.set_cached_value(activity, None)
            elif activity.to_team_id in teams:
                link.set_cached_value(activity, teams[activity.to_team_id])
    files_of: dict[int, list] = {}
    for file in files or ():
        if file.activity_id is not None:
            files_of.setdefault(file.activity_id, []).append(file)
    origins = {a.request_id: a.origin_code for a in activities if a.request_id != request.pk}
    entries = [
        TimelineEntry(
            source="activity",
            kind=a.kind,
            at=a.at,
            actor=a.actor,
            text=words.text,
            lines=words.lines,
            event=a.event,
            label=_choice_label(Activity, "kind", a.kind),
            purpose=a.purpose,
            channel=a.channel,
            purpose_label=_choice_label(Activity, "purpose", a.purpose),
            channel_label=_choice_label(Activity, "channel", a.channel),
            told_person=a.told_person,
            to_user=a.to_user,
            to_team=a.to_team,
            from_status=a.from_status,
            to_status=a.to_status,
            public=a.public,
            activity=a,
            data=a.data,
            origin=origins.get(a.request_id, ""),
            files=tuple(files_of.get(a.pk, ())),
        )
        for a in activities
        for words in [activity_words(a)]
    ]
    if clocks is None:
        events = DeadlineEvent.objects.filter(
            deadline__in=Deadline.objects.of_subjects(REQUEST_SUBJECT, family)
        ).select_related("deadline", "actor")
    else:
        events = _events_of(clocks)
    for event in events:
        due = event.data.get("due_at")
        words = clock_event_words(event)
        entries.append(
            TimelineEntry(
                source="clock",
                kind=event.kind,
                at=event.at,
                actor=event.actor,
                text=words.text,
                lines=words.lines,
                label=_choice_label(DeadlineEvent, "kind", event.kind),
                clock_code=event.deadline.commitment_code,
                deadline_id=event.deadline_id,
                due_at=datetime.fromisoformat(due)
                if isinstance(due, str)
                else event.deadline.due_at,
                data=event.data,
                origin=origins.get(int(event.deadline.subject_id), ""),
            )
        )
    entries.sort(key=lambda e: (e.at, e.source != "activity", e.activity.pk if e.activity else 0))
    return entries


def _events_of(clocks: list[Deadline]) -> list[DeadlineEvent]:
    """The events of ``clocks``, each with its clock: none to read without a clock."""
    by_id = {clock.pk: clock for clock in clocks}
    if not by_id:
        return []
    events = list(DeadlineEvent.objects.filter(deadline_id__in=by_id).select_related("actor"))
    for event in events:
        event.deadline = by_id[event.deadline_id]
    return events


def timeline_latest_handoff(request: Request, entries: list[TimelineEntry]) -> Activity | None:
    """The request's latest transfer among its timeline's lines (what
    :func:`~requests_desk.cases.requests.request_latest_handoff` reads, without a query of its
    own): the next handler reads its note first."""
    transfers = [
        entry.activity
        for entry in entries
        if entry.activity is not None
        and entry.kind == ActivityKind.TRANSFER
        and entry.activity.request_id == request.pk
    ]
    return max(transfers, key=lambda a: (a.at, a.pk), default=None)
