"""The request page: the hand-off note first, the clocks, the timeline and the action forms."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments import decisions
from commitments.deadlines import deadline_explain
from commitments.models import RiskHorizon
from commitments.models.deadline import EventKind
from commitments.stops import acts_words
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.cases import request_clocks, request_timeline
from requests_desk.cases.clocks import SUPPORT_ETA
from requests_desk.cases.communications import clocks_kept_by
from requests_desk.cases.customers import customer_details_given, personal_data_read
from requests_desk.cases.replies import canned_replies_offered, canned_reply_render
from requests_desk.cases.timeline import request_files, timeline_latest_handoff
from requests_desk.cases.timeline_words import clock_event_words
from requests_desk.desk.forms import (
    CommunicateForm,
    DatesForm,
    EditForm,
    MergeForm,
    NoteForm,
    StatusForm,
    StopPreviewForm,
    TransferForm,
    VisitForm,
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
    case = visible_request_or_404(request.user, pk)
    return render_detail(request, case)


def unbound_forms(case, user, *, offered: list | None = None) -> dict:
    """The empty forms the page shows. The call-back and "within the hour" forms are not
    among them: the page shows only their errors, so they are there only when refused."""
    version = {"version": case.version}
    return {
        "communicate": CommunicateForm(offered=offered),
        "transfer": TransferForm(initial=version, case=case),
        "status": StatusForm(initial=version, current=case.status),
        "dates": DatesForm(initial=DatesForm.initial_for(case)),
        "note": NoteForm(),
        "visit": VisitForm(),
        "edit": EditForm(initial=EditForm.initial_for(case), user=user),
        "merge": MergeForm(initial=version),
    }


def render_detail(request, case, *, bound: dict | None = None, status: int = 200):
    """The page, with ``bound`` forms (a refused action, what was typed kept) in place of the
    empty ones."""
    now = timezone.now()
    offered = list(canned_replies_offered())
    forms = {**unbound_forms(case, request.user, offered=offered), **(bound or {})}
    clocks = request_clocks(case)
    owed_calls = PhoneCall.objects.filter(
        request=case, person_absent=True, callback_at__isnull=True
    ).select_related("person_in_charge")
    files = request_files(case)
    # The timeline's activities (in one query) hold the latest hand-off too.
    timeline = request_timeline(case, files=files)
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
        "forms": forms,
        "stops": stop_preview(request, case, clocks),
        "actions": [
            {
                "name": name,
                "title": title,
                "button": button,
                "form": forms[name],
                "url": reverse(f"desk:{name}", args=[case.pk]),
                # The refused form is open; "tell the customer" is open unless another is.
                "open": name in (bound or {"communicate": None}),
            }
            for name, title, button in ACTIONS
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
