"""The request page's actions: each a small POST form that works without JavaScript.

A refused action renders the request page again with the form as it was sent (nothing typed is
lost) and its errors; an accepted one redirects back to the page with a message."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from requests_desk.cases import (
    DeskError,
    StaleEdit,
    call_record_callback,
    request_add_note,
    request_communicate,
    request_set_status,
    request_support_under_an_hour,
    request_transfer,
    request_update,
    visit_log,
)
from requests_desk.cases.customers import customer_details_accept
from requests_desk.cases.merge import request_merge
from requests_desk.cases.selectors import requests_visible
from requests_desk.desk.forms import (
    AcceptDetailsForm,
    CallbackForm,
    CommunicateForm,
    DatesForm,
    EditForm,
    MergeForm,
    NoteForm,
    StatusForm,
    TransferForm,
    UnderAnHourForm,
    VisitForm,
    add_service_errors,
    stale_message,
)
from requests_desk.desk.views.common import desk_view, visible_request_or_404
from requests_desk.desk.views.detail import render_detail
from requests_desk.models import PhoneCall

# A stale version is reported at the top of the form, not on its hidden field.
SERVICE_FIELDS = {"version": "__all__", "handoff_note": "handoff_note", "text": "text"}


def action(name: str):
    """Wrap an action: staff only, POST only, the request looked up within the user's reach."""

    def decorate(handler):
        @desk_view
        @require_POST
        def view(request, pk: int):
            case = visible_request_or_404(request.user, pk)
            form = handler(request, case)
            if form is None:
                return redirect("desk:request-detail", pk=case.pk)
            if isinstance(form, HttpResponse):
                return form
            too_large = any(getattr(f, "too_large", False) for f in form.fields.values())
            return render_detail(
                request, case, bound={name: form}, status=413 if too_large else 400
            )

        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        return view

    return decorate


def _attempt(request, form, service, success: str, field_map=None):
    """Call ``service``; on a refusal put its errors on ``form`` and return the form."""
    try:
        service()
    except StaleEdit:
        form.add_error(None, stale_message())
        return form
    except DeskError as error:
        add_service_errors(form, error, {**SERVICE_FIELDS, **(field_map or {})})
        return form
    messages.success(request, success)
    return None


def _stale(form, case, **form_kwargs):
    """The form as typed, re-armed with the current version so sending it again works."""
    case.refresh_from_db(fields=["version"])
    data = form.data.copy()
    data[form.add_prefix("version")] = str(case.version)
    fresh = type(form)(data, **form_kwargs)
    fresh.is_valid()
    fresh.add_error(None, stale_message())
    return fresh


@action("communicate")
def communicate(request, case):
    """Record what the customer was told; a matching purpose stops the clocks waiting on it.

    "Use this reply" records nothing: the page comes back with the canned reply's text, filled
    in for the case, to read and edit before recording."""
    form = CommunicateForm(request.POST, request.FILES)
    if request.POST.get(form.add_prefix("use_template")):
        filled = form.with_canned_reply(case)
        return render_detail(request, case, bound={"communicate": filled})
    if not form.is_valid():
        return form
    if not case.is_open:
        form.add_error(None, _("This request is closed: reopen it before telling the customer."))
        return form
    data = form.cleaned_data
    return _attempt(
        request,
        form,
        lambda: request_communicate(
            case,
            actor=request.user,
            purpose=data["purpose"],
            channel=data["channel"],
            summary=data["summary"],
            at=data.get("at"),
            told_person=data.get("told_person") or "",
            canned_reply=data.get("canned"),
            files=data.get("files") or (),
        ),
        _("Communication recorded."),
    )


@action("transfer")
def transfer(request, case):
    """Hand the case to a person or a team, with the note the next handler reads first."""
    form = TransferForm(request.POST, case=case)
    if not form.is_valid():
        return form
    if not form.check_version(case):
        return _stale(form, case, case=case)
    return _attempt(
        request,
        form,
        lambda: request_transfer(
            case,
            actor=request.user,
            handoff_note=form.cleaned_data["handoff_note"],
            **form.cleaned_data["to"],
        ),
        _("Request transferred."),
        {"to_user": "to", "to_team": "to"},
    )


@action("status")
def set_status(request, case):
    form = StatusForm(request.POST, current=case.status)
    if not form.is_valid():
        return form
    if not form.check_version(case):
        return _stale(form, case, current=case.status)
    data = form.cleaned_data
    return _attempt(
        request,
        form,
        lambda: request_set_status(
            case, actor=request.user, status=data["status"], note=data.get("note") or ""
        ),
        _("Status changed."),
    )


@action("dates")
def set_dates(request, case):
    """Set the expected completion and the requested due date; clocks that hang on them move."""
    return _update(request, case, DatesForm(request.POST), _("Dates saved."))


@action("edit")
def edit(request, case):
    """Change the kind, division, team, service, priority, subject or details; open clocks are
    recomputed (paused time kept) and the timeline says what changed and why."""
    form = EditForm(request.POST, user=request.user)
    return _update(request, case, form, _("Details saved."), user=request.user)


def _update(request, case, form, success: str, **form_kwargs):
    """Save what ``form`` changes on the request (a team or service not chosen anew follows
    the request into a new division); a refusal keeps what was typed."""
    if not form.is_valid():
        return form
    if not form.check_version(case):
        return _stale(form, case, **form_kwargs)
    data = form.cleaned_data
    changes = {
        name: value
        for name, value in form.request_details().items()
        if value != getattr(case, name)
    }
    if not changes:
        messages.info(request, _("Nothing changed."))
        return None
    try:
        request_update(
            case,
            actor=request.user,
            version=data["version"],
            reason=data.get("reason") or "",
            **changes,
        )
    except StaleEdit:
        return _stale(form, case, **form_kwargs)
    except DeskError as error:
        add_service_errors(form, error, {**SERVICE_FIELDS, **EditForm.SERVICE_FIELDS})
        return form
    messages.success(request, success)
    return None


@action("hour")
def under_an_hour(request, case):
    """The support handler will be done within the hour: the ETA clock is met, the hour runs."""
    form = UnderAnHourForm(request.POST)
    form.is_valid()
    return _attempt(
        request,
        form,
        lambda: request_support_under_an_hour(case, actor=request.user),
        _("Recorded: done within the hour."),
    )


@action("given")
def accept_details(request, case):
    """Accept the name and phone the customer gave on this homepage case into their record."""
    form = AcceptDetailsForm(request.POST)
    form.is_valid()
    return _attempt(
        request,
        form,
        lambda: customer_details_accept(case, actor=request.user),
        _("The customer's record now has the details given on this case."),
    )


@action("note")
def add_note(request, case):
    form = NoteForm(request.POST, request.FILES)
    if not form.is_valid():
        return form
    return _attempt(
        request,
        form,
        lambda: request_add_note(
            case,
            actor=request.user,
            text=form.cleaned_data["text"],
            files=form.cleaned_data.get("files") or (),
        ),
        _("Note added."),
    )


@action("visit")
def log_visit(request, case):
    form = VisitForm(request.POST)
    if not form.is_valid():
        return form
    data = form.cleaned_data
    return _attempt(
        request,
        form,
        lambda: visit_log(
            case,
            actor=request.user,
            appointment_agreed=data["appointment_agreed"],
            appointment_at=data.get("appointment_at"),
            visited_at=data["visited_at"],
            results_explained_to=data["results_explained_to"],
            summary=data.get("summary") or "",
            purpose=data["purpose"],
        ),
        _("Visit logged."),
    )


@action("callback")
def record_callback(request, case):
    """The absent person in charge (or a colleague) called the customer back."""
    form = CallbackForm(request.POST)
    if not form.is_valid():
        return form
    call = PhoneCall.objects.filter(
        request=case, pk=form.cleaned_data["call"], callback_at__isnull=True
    ).first()
    if call is None:
        form.add_error(None, _("This call has no call-back owed."))
        return form
    return _attempt(
        request,
        form,
        lambda: call_record_callback(call, actor=request.user, at=form.cleaned_data.get("at")),
        _("Call-back recorded."),
        {"callback_at": "at"},
    )


@action("merge")
def merge(request, case):
    """Absorb a duplicate of the same organisation: it is closed and shown here."""
    form = MergeForm(request.POST)
    if not form.is_valid():
        return form
    if not form.check_version(case):
        return _stale(form, case)
    duplicate = (
        requests_visible(request.user).filter(tracking_code=form.cleaned_data["duplicate"]).first()
    )
    if duplicate is None:
        form.add_error("duplicate", _("No request of yours has this tracking code."))
        return form
    return _attempt(
        request,
        form,
        lambda: request_merge(
            case,
            actor=request.user,
            absorbed=duplicate,
            version=form.cleaned_data["version"],
            note=form.cleaned_data.get("note") or "",
        ),
        _("Duplicate merged."),
    )
