"""The request page: the hand-off note first, the clocks, the timeline and the action forms."""

import hashlib

from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from commitments import decisions
from commitments.access import divisions_of
from commitments.deadlines import deadline_explain
from commitments.memo import catalogue_version
from commitments.models import RiskHorizon
from commitments.models.deadline import EventKind
from commitments.stops import acts_words
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.cases import request_clocks, request_timeline
from requests_desk.cases.clocks import SUPPORT_ETA
from requests_desk.cases.communications import clocks_kept_by
from requests_desk.cases.customers import customer_details_given, personal_data_read
from requests_desk.cases.replies import canned_replies_remembered, canned_reply_render
from requests_desk.cases.timeline import (
    request_family_clocks,
    request_files,
    timeline_latest_handoff,
)
from requests_desk.cases.timeline_words import clock_event_words
from requests_desk.desk.forms import (
    CommunicateForm,
    DatesForm,
    DeskCatalogue,
    EditForm,
    MergeForm,
    NoteForm,
    StatusForm,
    StopPreviewForm,
    TransferForm,
    VisitForm,
    desk_catalogue,
    transfer_choices,
)
from requests_desk.desk.views.common import (
    clock_row,
    desk_view,
    duration_words,
    visible_request_or_404,
)
from requests_desk.models import PhoneCall

# The request page's action forms, in page order: (name, title, button).
ACTIONS = (
    ("communicate", _("Tell the customer"), _("Record")),
    ("transfer", _("Transfer"), _("Transfer")),
    ("status", _("Change status"), _("Change")),
    ("dates", _("Expected completion and requested date"), _("Save dates")),
    ("edit", _("Edit details"), _("Save changes")),
    ("note", _("Add a note"), _("Add note")),
    ("visit", _("Log a visit"), _("Log visit")),
    ("merge", _("Merge a duplicate into this request"), _("Merge")),
)


@desk_view
def request_detail(request, pk: int):
    # The divisions, teams and services remembered, read once for the page (each read is a
    # fresh copy of them).
    catalogue = desk_catalogue()
    case = visible_request_or_404(request.user, pk, catalogue=catalogue)
    return render_detail(request, case, catalogue=catalogue)


def unbound_forms(case, user, *, offered: list, catalogue: DeskCatalogue) -> dict:
    """The empty forms the page shows, each as ``(key, make)``: ``make()`` builds the form,
    and ``key`` is everything its HTML is made from (``None``: not to be kept). The call-back
    and "within the hour" forms are not among them: the page shows only their errors, so they
    are there only when refused."""
    version = {"version": case.version}
    dates = DatesForm.initial_for(case)
    edit = EditForm.initial_for(case)
    targets = transfer_choices(case.division_id, catalogue=catalogue)
    allowed = divisions_of(user)
    version_of_catalogue = catalogue_version()
    return {
        "communicate": (
            [(r.pk, r.title, r.purpose, r.language) for r in offered],
            lambda: CommunicateForm(offered=offered),
        ),
        "transfer": (
            [case.version, _plain(targets)],
            lambda: TransferForm(initial=version, case=case, choices=targets),
        ),
        "status": (
            [case.version, case.status],
            lambda: StatusForm(initial=version, current=case.status),
        ),
        "dates": (sorted(dates.items()), lambda: DatesForm(initial=dates)),
        "note": ([], NoteForm),
        "visit": ([], VisitForm),
        "edit": (
            None
            if version_of_catalogue is None
            else [
                sorted(edit.items()),
                sorted(allowed) if allowed is not None else None,
                version_of_catalogue,
            ],
            lambda: EditForm(initial=edit, user=user),
        ),
        "merge": ([case.version], lambda: MergeForm(initial=version)),
    }


def _action(case, name, title, button, bound: dict, empty: dict) -> dict:
    # A refused form shows its errors and what was typed; an empty one's fields are kept.
    if name in bound:
        fields, multipart = _action_fields_html(bound[name], button)
    else:
        fields, multipart = action_fields(name, *empty[name], button)
    return {
        "name": name,
        "title": title,
        "button": button,
        "form": bound.get(name),
        "fields": fields,
        "multipart": multipart,
        "url": reverse(f"desk:{name}", args=[case.pk]),
        # The refused form is open; "tell the customer" is open unless another is.
        "open": name in (bound or {"communicate": None}),
    }


def _plain(choices) -> list:
    """Choices with their labels as text (lazy ones translated), nested groups too."""
    return [
        (str(value), _plain(label) if isinstance(label, list | tuple) else str(label))
        for value, label in choices
    ]


#: The empty action forms' fields as HTML, by what they are made from (:func:`unbound_forms`).
_KEPT_FIELDS: dict[str, tuple[str, bool]] = {}


def action_fields(name: str, key, make, button) -> tuple[str, bool]:
    """The HTML of an empty action form's fields, and whether it takes files: rendered once
    per process for the same ``key`` and language (the eight forms were a third of the page's
    Python time, built and rendered on every view)."""
    if key is None:
        return _action_fields_html(make(), button)
    digest = hashlib.sha256(repr([name, get_language(), str(button), key]).encode()).hexdigest()
    kept = _KEPT_FIELDS.get(digest)
    if kept is None:
        kept = _action_fields_html(make(), button)
        if len(_KEPT_FIELDS) >= 1024:
            _KEPT_FIELDS.clear()
        _KEPT_FIELDS[digest] = kept
    return kept


def _action_fields_html(form, button) -> tuple[str, bool]:
    html = render_to_string("requests_desk/_action_fields.html", {"form": form, "button": button})
    return mark_safe(html), form.is_multipart()


def render_detail(
    request,
    case,
    *,
    bound: dict | None = None,
    status: int = 200,
    catalogue: DeskCatalogue | None = None,
):
    """The page, with ``bound`` forms (a refused action, what was typed kept) in place of the
    empty ones."""
    now = timezone.now()
    catalogue = catalogue or desk_catalogue()
    offered = canned_replies_remembered()
    bound = bound or {}
    empty = unbound_forms(case, request.user, offered=offered, catalogue=catalogue)
    family_clocks = request_family_clocks(case)
    clocks = [clock for clock in family_clocks if clock.subject_id == str(case.pk)]
    # Who was absent is not shown: only the caller and when they called.
    owed_calls = PhoneCall.objects.filter(
        request=case, person_absent=True, callback_at__isnull=True
    ).only("caller_name", "received_at")
    files = request_files(case)
    # The timeline's activities (in one query) hold the latest hand-off too.
    teams = {team.pk: team for team in catalogue.teams}
    timeline = request_timeline(case, files=files, clocks=family_clocks, teams=teams)
    handoff = timeline_latest_handoff(case, timeline)
    horizon = RiskHorizon(now=now)
    context = {
        "case": case,
        "handoff": handoff,
        "handoff_is_mine": handoff is not None and _is_for(handoff, request.user),
        "clock_rows": [
            (clock, clock_row(clock, now, horizon=horizon) if _owed(clock) else None)
            for clock in clocks
        ],
        "timeline": timeline,
        "attachments": files,
        # Each canned reply as it reads for this case, for the script that fills the text in.
        "canned_replies": {
            str(reply.pk): {
                "purpose": reply.purpose,
                "text": canned_reply_render(reply, request=case),
            }
            for reply in offered
        },
        # What the customer typed about themselves on this homepage case, where it differs
        # from their record: shown for a person to accept, never applied by itself.
        "given": customer_details_given(case),
        "owed_calls": owed_calls,
        # A support inquiry still owing its ETA can be promised done within the hour.
        "eta_open": case.is_open
        and any(c.commitment_code == SUPPORT_ETA and c.is_open for c in clocks),
        "forms": bound,
        "stops": stop_preview(request, case, clocks),
        "actions": [
            _action(case, name, title, button, bound, empty) for name, title, button in ACTIONS
        ],
    }
    personal_data_read(request.user, [case.customer_id], via="desk:request")
    return render(request, "requests_desk/detail.html", context, status=status)


def stop_preview(request, case, clocks) -> dict:
    """What the page shows before an act is recorded: each open clock with the acts that keep
    it, and, when staff asked about a purpose and channel, the clocks that act would stop."""
    form = StopPreviewForm(request.GET if "stops-purpose" in request.GET else None)
    kept = None
    if form.is_bound and form.is_valid():
        kept = clocks_kept_by(
            case, purpose=form.cleaned_data["purpose"], channel=form.cleaned_data["channel"]
        )
    return {
        "form": form,
        "open_clocks": [(clock, acts_words(clock.params)) for clock in clocks if _owed(clock)],
        "kept": kept,
    }


def _owed(clock) -> bool:
    return clock.is_open or (clock.state == "breached" and clock.stopped_at is None)


def _is_for(handoff, user) -> bool:
    if handoff.to_user_id is not None:
        return handoff.to_user_id == user.pk
    return handoff.to_team is not None and handoff.to_team.members.filter(pk=user.pk).exists()


STOP_EVENTS = (EventKind.MET, EventKind.STOPPED_LATE, EventKind.CANCELLED)


@desk_view
def clock_explain(request, pk: int, deadline_pk: int):
    """Why a clock is due when it is: the closed hours and holidays skipped, and the pauses."""
    case = visible_request_or_404(request.user, pk)
    clock = next((c for c in request_clocks(case) if c.pk == deadline_pk), None)
    if clock is None or clock.subject_type != REQUEST_SUBJECT:
        raise Http404
    stop = None
    if clock.stopped_at is not None:
        # The event that stopped it says why in codes; ``stop_cause`` only in plain words.
        stop = clock.events.filter(kind__in=STOP_EVENTS).order_by("-at", "-pk").first()
    return render(
        request,
        "requests_desk/explain.html",
        {
            "case": case,
            "clock": clock,
            "explain": deadline_explain(clock),
            "stop_words": clock_event_words(stop).lines if stop is not None else (),
            "paused_words": duration_words(
                clock.paused_total, working_time=clock.kind in decisions.BUSINESS_KINDS
            ),
        },
    )
