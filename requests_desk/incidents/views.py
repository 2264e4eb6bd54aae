"""Staff pages for incidents: the list of the user's divisions', a new one, and one incident
with its clocks, what the customers were told (and whom a message could not reach), the
audience a message would reach, and the requests it caused."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commitments.access import divisions_of
from commitments.models import Division
from notifications.incidents.forms import IncidentForm, TellForm
from notifications.incidents.models import Incident
from notifications.incidents.services import incident_clocks, incident_record
from notifications.notices.forms import add_notice_errors
from notifications.notices.services import NoticeError
from requests_desk.cases.errors import DeskError
from requests_desk.cases.selectors import requests_visible
from requests_desk.desk.views.common import desk_view
from requests_desk.incidents.audience import incident_audience, incident_tell_customers
from requests_desk.incidents.forms import LinkForm
from requests_desk.incidents.services import request_link_incident
from requests_desk.notices.views import services_for

PAGE_SIZE = 25


def incidents_for(user):
    incidents = Incident.objects.select_related("division").prefetch_related("services")
    divisions = divisions_of(user)
    return incidents if divisions is None else incidents.filter(division_id__in=divisions)


def divisions_for(user):
    divisions = Division.objects.order_by("code")
    mine = divisions_of(user)
    return divisions if mine is None else divisions.filter(pk__in=mine)


def incident_form(user, data=None) -> IncidentForm:
    return IncidentForm(data, services=services_for(user), divisions=divisions_for(user))


@desk_view
def incident_list(request):
    page = Paginator(incidents_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "requests_desk/incidents/list.html", {"page": page})


@desk_view
def incident_new(request):
    form = incident_form(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_record(actor=request.user, **form.cleaned_data)
        except NoticeError as error:
            add_notice_errors(form, error)
        else:
            messages.success(request, _("Incident recorded: its clocks are running."))
            return redirect("desk-incidents:incident", pk=incident.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "requests_desk/incidents/new.html", {"form": form}, status=status)


def _incident_or_404(user, pk: int) -> Incident:
    return get_object_or_404(incidents_for(user).select_related("recorded_by"), pk=pk)


def _render(request, incident, *, tell=None, link=None, status=200):
    now = timezone.now()
    sms, unreachable = incident_audience(incident=incident, channel="sms", now=now)
    return render(
        request,
        "requests_desk/incidents/detail.html",
        {
            "incident": incident,
            "clocks": incident_clocks(incident),
            "told": incident.messages.select_related("told_by").prefetch_related(
                "recipients__notification"
            ),
            "linked": requests_visible(request.user).filter(incident=incident),
            "sms_audience": sms,
            "unreachable": unreachable,
            "tell_form": tell or TellForm(),
            "link_form": link or LinkForm(),
        },
        status=status,
    )


@desk_view
def incident_detail(request, pk: int):
    return _render(request, _incident_or_404(request.user, pk))


@desk_view
@require_POST
def incident_tell_view(request, pk: int):
    incident = _incident_or_404(request.user, pk)
    form = TellForm(request.POST)
    if form.is_valid():
        try:
            message = incident_tell_customers(incident, actor=request.user, **form.cleaned_data)
        except NoticeError as error:
            add_notice_errors(form, error)
        else:
            messages.success(
                request,
                _("Recorded; %(n)s message(s) queued.") % {"n": message.recipients.count()},
            )
            return redirect("desk-incidents:incident", pk=pk)
    return _render(request, incident, tell=form, status=400)


@desk_view
@require_POST
def incident_link_view(request, pk: int):
    incident = _incident_or_404(request.user, pk)
    form = LinkForm(request.POST, requests=requests_visible(request.user))
    if form.is_valid():
        try:
            request_link_incident(
                request=form.cleaned_data["request"], incident=incident, actor=request.user
            )
        except DeskError as error:
            add_notice_errors(form, error)
        else:
            messages.success(request, _("Request linked to the incident."))
            return redirect("desk-incidents:incident", pk=pk)
    return _render(request, incident, link=form, status=400)
