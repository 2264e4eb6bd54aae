"""The customer's voice in the desk: managers decide unkind-service reports and acknowledge
commendations; desk users record phone-monitoring scores and read colleagues' profiles."""

import functools

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commitments.access import divisions_of, is_manager
from requests_desk.cases import DeskError
from requests_desk.desk.forms import add_service_errors
from requests_desk.desk.views.common import desk_view
from requests_desk.homepage.services.surveys import phone_score_record
from requests_desk.homepage.services.voice import (
    commendation_acknowledge,
    commendations_for,
    commendations_of,
    unkind_report_confirm,
    unkind_report_reject,
    unkind_reports_for,
)
from requests_desk.homepage.voice_forms import (
    AcknowledgeForm,
    DecisionForm,
    PhoneScoreForm,
    people_choices,
)
from requests_desk.models.voice import (
    CommendationState,
    ReportState,
    SurveyResponse,
    SurveySource,
)

PAGE_SIZE = 50
STATE_FILTERS = ("pending", "confirmed", "rejected", "all")


def manager_view(view):
    """Desk pages for managers (team managers, division heads, admins); others get a 403."""

    @functools.wraps(view)
    @desk_view
    def wrapped(request, *args, **kwargs):
        if not is_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@desk_view
def voice_home(request):
    """What the customers said: links to each list, with the pending counts for managers."""
    manager = is_manager(request.user)
    context = {"manager": manager}
    if manager:
        context["pending_reports"] = (
            unkind_reports_for(request.user).filter(state=ReportState.PENDING).count()
        )
        context["new_commendations"] = (
            commendations_for(request.user).filter(state=CommendationState.NEW).count()
        )
    return render(request, "requests_desk/voice/home.html", context)


# --- unkind-service reports -----------------------------------------------------------------


@manager_view
def unkind_list(request):
    state = request.GET.get("state", "pending")
    if state not in STATE_FILTERS:
        state = "pending"
    reports = unkind_reports_for(request.user)
    if state != "all":
        reports = reports.filter(state=state)
    page = Paginator(reports.order_by("created_at", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "requests_desk/voice/unkind_list.html",
        {
            "page": page,
            "state": state,
            "states": [
                ("pending", _("Awaiting a decision")),
                ("confirmed", _("Confirmed")),
                ("rejected", _("Rejected")),
                ("all", _("All")),
            ],
            "query": f"state={state}",
        },
    )


@manager_view
def unkind_detail(request, pk: int):
    """The report with its complaint; a POST confirms or rejects it."""
    report = get_object_or_404(unkind_reports_for(request.user), pk=pk)
    form = DecisionForm()
    status = 200
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            decide = (
                unkind_report_confirm
                if form.cleaned_data["decision"] == DecisionForm.CONFIRM
                else unkind_report_reject
            )
            try:
                decide(report, actor=request.user, note=form.cleaned_data["note"])
            except DeskError as error:
                add_service_errors(form, error)
            else:
                if form.cleaned_data["decision"] == DecisionForm.CONFIRM:
                    messages.success(
                        request,
                        _("Report confirmed: gift coupon %(code)s issued.")
                        % {"code": report.coupon.code},
                    )
                else:
                    messages.success(request, _("Report rejected; the reporter will be told."))
                return redirect("desk:unkind-detail", pk=report.pk)
        status = 400
        report = get_object_or_404(unkind_reports_for(request.user), pk=pk)
    return render(
        request,
        "requests_desk/voice/unkind_detail.html",
        {"report": report, "case": report.request, "form": form},
        status=status,
    )


# --- commendations --------------------------------------------------------------------------


@manager_view
def commendation_list(request):
    state = request.GET.get("state", "new")
    if state not in ("new", "acknowledged", "all"):
        state = "new"
    commendations = commendations_for(request.user)
    people = people_choices(divisions_of(request.user))
    if state != "all":
        commendations = commendations.filter(state=state)
    page = Paginator(commendations.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "requests_desk/voice/commendation_list.html",
        {
            "page": page,
            "state": state,
            "states": [
                ("new", _("New")),
                ("acknowledged", _("Acknowledged")),
                ("all", _("All")),
            ],
            "query": f"state={state}",
            "rows": [
                (
                    c,
                    AcknowledgeForm(people=people, prefix=f"c{c.pk}")
                    if c.state == CommendationState.NEW
                    else None,
                )
                for c in page.object_list
            ],
        },
    )


@manager_view
@require_POST
def commendation_acknowledge_view(request, pk: int):
    commendation = get_object_or_404(commendations_for(request.user), pk=pk)
    people = people_choices(divisions_of(request.user))
    form = AcknowledgeForm(request.POST, people=people, prefix=f"c{pk}")
    if form.is_valid():
        try:
            commendation_acknowledge(
                commendation, actor=request.user, employee=form.cleaned_data.get("employee")
            )
        except DeskError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Commendation acknowledged."))
            return redirect("desk:commendation-list")
    return render(
        request,
        "requests_desk/voice/commendation_acknowledge.html",
        {"commendation": commendation, "form": form},
        status=400,
    )


@desk_view
def person(request, username: str):
    """A colleague's profile: their teams and the commendations customers gave them."""
    user = get_object_or_404(get_user_model(), username=username, is_active=True)
    return render(
        request,
        "requests_desk/voice/person.html",
        {
            "person": user,
            "teams": user.teams.select_related("division").order_by("code"),
            "commendations": commendations_of(user).order_by("-acknowledged_at", "-id"),
        },
    )


# --- phone monitoring -----------------------------------------------------------------------


@desk_view
def phone_scores(request):
    """Record a score heard while monitoring phone service; the latest ones below."""
    divisions = divisions_of(request.user)
    form = PhoneScoreForm(divisions=divisions)
    status = 200
    if request.method == "POST":
        form = PhoneScoreForm(request.POST, divisions=divisions)
        if form.is_valid():
            try:
                phone_score_record(actor=request.user, **form.cleaned_data)
            except DeskError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Score recorded."))
                return redirect("desk:phone-scores")
        status = 400
    recent = SurveyResponse.objects.filter(source=SurveySource.PHONE_MONITORING).select_related(
        "division", "team", "recorded_by"
    )
    if divisions is not None:
        recent = recent.filter(division_id__in=divisions)
    return render(
        request,
        "requests_desk/voice/phone_scores.html",
        {"form": form, "recent": recent.order_by("-at", "-id")[:20]},
        status=status,
    )
