"""Staff pages for public notices: suspension plans and the announcement board.

Suspensions: any desk user plans one for the services of their divisions and sees the plans of
those divisions. Announcements: the Information Head Office's people (and admins)."""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commitments.access import divisions_of, may_see_division
from commitments.models import Division, Service
from notifications.notices.forms import (
    AnnouncementForm,
    CancelForm,
    PublishForm,
    RescheduleForm,
    SuspensionPlanForm,
    add_notice_errors,
)
from notifications.notices.models import Announcement, SuspensionPlan
from notifications.notices.services import (
    NoticeError,
    ShortNotice,
    announcement_publish,
    announcement_record,
    suspension_cancel,
    suspension_plan_create,
    suspension_reschedule,
)
from requests_desk.desk.views.common import desk_view
from requests_desk.notices.audience import suspension_publish_to_customers

PAGE_SIZE = 25
INFORMATION = "information"


def services_for(user):
    services = Service.objects.select_related("division").order_by("division__code", "code")
    divisions = divisions_of(user)
    return services if divisions is None else services.filter(division_id__in=divisions)


def plans_for(user):
    plans = SuspensionPlan.objects.select_related("division", "deadline").prefetch_related(
        "services"
    )
    divisions = divisions_of(user)
    return plans if divisions is None else plans.filter(division_id__in=divisions)


def announcement_desk(view):
    """Only the Information Head Office's people (and admins) keep the board."""

    @desk_view
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        information = Division.objects.filter(code=INFORMATION).first()
        if information is None or not may_see_division(request.user, information.pk):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- suspensions -----------------------------------------------------------------------------


@desk_view
def suspension_list(request):
    plans = plans_for(request.user).order_by("-planned_at", "-pk")
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "requests_desk/notices/suspension_list.html", {"page": page})


@desk_view
def suspension_new(request):
    services = services_for(request.user)
    form = SuspensionPlanForm(request.POST or None, services=services)
    short_notice = False
    if request.method == "POST" and form.is_valid():
        try:
            plan = suspension_plan_create(actor=request.user, **form.cleaned_data)
        except ShortNotice as error:
            short_notice = True
            add_notice_errors(form, error)
        except NoticeError as error:
            add_notice_errors(form, error)
        else:
            messages.success(request, _("Suspension planned. Publish the notice when it is ready."))
            return redirect("desk-notices:suspension", pk=plan.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "requests_desk/notices/suspension_new.html",
        {"form": form, "short_notice": short_notice},
        status=status,
    )


def _plan_or_404(user, pk: int) -> SuspensionPlan:
    return get_object_or_404(plans_for(user).select_related("planned_by", "published_by"), pk=pk)


def _render_plan(
    request, plan, *, publish=None, reschedule=None, cancel=None, short_notice=False, status=200
):
    return render(
        request,
        "requests_desk/notices/suspension_detail.html",
        {
            "plan": plan,
            "recipients": plan.recipients.all(),
            "publish_form": publish or PublishForm(),
            "reschedule_form": reschedule
            or RescheduleForm(
                initial={
                    "starts_at": timezone.localtime(plan.starts_at),
                    "ends_at": timezone.localtime(plan.ends_at),
                }
            ),
            "cancel_form": cancel or CancelForm(),
            "short_notice": short_notice,
            "now": timezone.now(),
        },
        status=status,
    )


@desk_view
def suspension_detail(request, pk: int):
    return _render_plan(request, _plan_or_404(request.user, pk))


@desk_view
@require_POST
def suspension_publish(request, pk: int):
    plan = _plan_or_404(request.user, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            plan = suspension_publish_to_customers(plan, actor=request.user, **form.cleaned_data)
        except NoticeError as error:
            add_notice_errors(form, error)
        else:
            messages.success(
                request,
                _("Notice published on the homepage and sent to %(n)s address(es).")
                % {"n": plan.recipients.count()},
            )
            return redirect("desk-notices:suspension", pk=pk)
    return _render_plan(request, plan, publish=form, status=400)


@desk_view
@require_POST
def suspension_reschedule_view(request, pk: int):
    plan = _plan_or_404(request.user, pk)
    form = RescheduleForm(request.POST)
    short_notice = False
    if form.is_valid():
        try:
            suspension_reschedule(plan, actor=request.user, **form.cleaned_data)
        except ShortNotice as error:
            short_notice = True
            add_notice_errors(form, error)
        except NoticeError as error:
            add_notice_errors(form, error)
        else:
            messages.success(request, _("Suspension rescheduled."))
            return redirect("desk-notices:suspension", pk=pk)
    return _render_plan(request, plan, reschedule=form, short_notice=short_notice, status=400)


@desk_view
@require_POST
def suspension_cancel_view(request, pk: int):
    plan = _plan_or_404(request.user, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            suspension_cancel(plan, actor=request.user, **form.cleaned_data)
        except NoticeError as error:
            add_notice_errors(form, error)
        else:
            messages.success(request, _("Suspension cancelled."))
            return redirect("desk-notices:suspension", pk=pk)
    return _render_plan(request, plan, cancel=form, status=400)


# --- announcements ---------------------------------------------------------------------------


@announcement_desk
def announcement_list(request):
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = announcement_record(actor=request.user, **form.cleaned_data)
        except NoticeError as error:
            add_notice_errors(form, error)
        else:
            messages.success(request, _("Specification recorded. Publish the announcement today."))
            return redirect("desk-notices:announcement", pk=announcement.pk)
    announcements = Announcement.objects.select_related("deadline").order_by("-recorded_at", "-pk")
    page = Paginator(announcements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "requests_desk/notices/announcement_list.html",
        {"form": form, "page": page},
        status=400 if request.method == "POST" else 200,
    )


@announcement_desk
def announcement_detail(request, pk: int):
    announcement = get_object_or_404(
        Announcement.objects.select_related("deadline", "recorded_by", "published_by"), pk=pk
    )
    return render(
        request, "requests_desk/notices/announcement_detail.html", {"announcement": announcement}
    )


@announcement_desk
@require_POST
def announcement_publish_view(request, pk: int):
    announcement = get_object_or_404(Announcement, pk=pk)
    try:
        announcement_publish(announcement, actor=request.user)
    except NoticeError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Announcement published on the board."))
    return redirect("desk-notices:announcement", pk=pk)
