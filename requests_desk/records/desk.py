"""The records' staff pages under ``/desk/records/`` (URL names ``desk-records:…``): one
:class:`RecordPages` per record, and the certificates' import."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.models import Division
from requests_desk.desk.forms import add_service_errors
from requests_desk.desk.views.common import desk_view
from requests_desk.models import Certificate, Delivery, Handover, TestWindow, Training
from requests_desk.records import certificates, deliveries, handovers, trainings, windows
from requests_desk.records.common import division_allowed
from requests_desk.records.forms import (
    CertificateEditForm,
    CertificateForm,
    DeliveryEditForm,
    DeliveryForm,
    DrillForm,
    GuidanceForm,
    HandoverEditForm,
    HandoverForm,
    HeldForm,
    ImportForm,
    InquiryForm,
    OwnerTellForm,
    OwnerToldForm,
    PhoneGuidanceForm,
    PlanForm,
    PlanSendForm,
    RenewalForm,
    ReportForm,
    RescheduleForm,
    TestReportEmailForm,
    TestReportForm,
    TestWindowEditForm,
    TestWindowForm,
    TrainingEditForm,
    TrainingForm,
)
from requests_desk.records.imports import certificates_import, certificates_preview, read_table
from requests_desk.records.pages import REGISTRY, Link, RecordAction, RecordPages

IMPORT_SALT = "requests_desk.records.certificate-import"
#: Where the plan staff write goes, in the preview of the plan's e-mail.
PLAN_PLACEHOLDER = gettext_lazy("(the plan you write below)")
OUTCOME_PLACEHOLDER = gettext_lazy("(the outcome you write below)")
ERRORS_PLACEHOLDER = gettext_lazy("(the errors you write below)")


def _renewals(certificate) -> list:
    lines = [
        f"{renewal.recorded_at:%Y-%m-%d}: {renewal.previous_expires_on} → {renewal.expires_on}"
        for renewal in certificate.renewals.all()
    ]
    return [(_("Renewals"), lines)]


CERTIFICATES = RecordPages(
    model=Certificate,
    slug="certificates",
    title=gettext_lazy("Certificates"),
    new_form=CertificateForm,
    create=certificates.certificate_create,
    edit_form=CertificateEditForm,
    update=certificates.certificate_update,
    columns=["product", "serial", "customer", "expires_on", "guided_at"],
    details=["product", "serial", "customer", "expires_on", "language", "guided_at"],
    select_related=("customer__organisation",),
    actions=[
        RecordAction(
            "guide",
            gettext_lazy("Send the renewal guidance"),
            GuidanceForm,
            lambda record, actor, channels: certificates.certificate_guidance_send(
                record, channels=channels, actor=actor
            ),
            done=gettext_lazy("Renewal guidance sent."),
            preview=certificates.guidance_messages,
        ),
        RecordAction(
            "phone",
            gettext_lazy("Log the guidance given by phone"),
            PhoneGuidanceForm,
            certificates.certificate_guidance_phone,
        ),
        RecordAction(
            "renew",
            gettext_lazy("Record a renewal"),
            RenewalForm,
            lambda record, actor, expires_on: certificates.certificate_renew(
                record, expires_on=expires_on, actor=actor
            ),
            done=gettext_lazy("Renewal recorded: the next cycle counts to the new expiry."),
        ),
    ],
    related=_renewals,
    extra_links=[("desk-records:certificates-import", gettext_lazy("Import from CSV or XLSX"))],
)


@desk_view
def certificate_import(request):
    """Check a file and list its bad rows; import the good ones once confirmed."""
    form = ImportForm(
        request.POST if "preview" in request.POST else None,
        request.FILES or None,
        user=request.user,
    )
    context = {"form": form, "pages": CERTIFICATES, "all_pages": REGISTRY}
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        try:
            rows = signing.loads(request.POST.get("rows", ""), salt=IMPORT_SALT, max_age=3600)
            division = Division.objects.filter(pk=rows["division"]).first()
            division_allowed(request.user, division)
            imported = certificates_import(rows["rows"], actor=request.user, division=division)
        except signing.BadSignature:
            messages.error(request, _("The checked file has expired: check it again."))
            status = 400
        except ValidationError as error:
            add_service_errors(form, error)
            status = 400
        else:
            messages.success(request, _("%(n)s certificate(s) imported.") % {"n": imported})
            return redirect("desk-records:certificates-list")
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            upload, division = form.cleaned_data["file"], form.cleaned_data["division"]
            try:
                division_allowed(request.user, division)
                check = certificates_preview(
                    read_table(name=upload.name, content=upload.read()),
                    actor=request.user,
                    division=division,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                status = 200
                context.update(
                    check=check,
                    division=division,
                    signed_rows=signing.dumps(
                        {"rows": check.good, "division": division.pk},
                        salt=IMPORT_SALT,
                        compress=True,
                    ),
                )
    return render(request, "requests_desk/records/import.html", context, status=status)


HANDOVERS = RecordPages(
    model=Handover,
    slug="handovers",
    title=gettext_lazy("Personnel handovers"),
    new_form=HandoverForm,
    create=handovers.handover_create,
    edit_form=HandoverEditForm,
    update=handovers.handover_update,
    columns=["outgoing", "incoming", "parallel_from", "parallel_until", "reported_at"],
    details=[
        "outgoing",
        "incoming",
        "services",
        "parallel_from",
        "parallel_until",
        "drill_on",
        "drill_accuracy",
        "drill_minutes",
        "target_minutes",
        "reported_at",
    ],
    select_related=("outgoing", "incoming"),
    prefetch_related=("services",),
    actions=[
        RecordAction(
            "drill", gettext_lazy("Record the simulated drill"), DrillForm, handovers.handover_drill
        ),
        RecordAction(
            "report",
            gettext_lazy("Report the result to the affected customers"),
            ReportForm,
            handovers.handover_report,
            done=gettext_lazy(
                "The drill's result is on its way to the affected customers: the clock stops"
                " once every e-mail is delivered."
            ),
        ),
    ],
)


def _report_file(window) -> list:
    if not window.report_file:
        return []
    href = reverse("desk-records:test-windows-file", args=[window.pk])
    return [(_("Report file"), [Link(window.report_file.name.rsplit("/", 1)[-1], href)])]


TEST_WINDOWS = RecordPages(
    model=TestWindow,
    slug="test-windows",
    title=gettext_lazy("PowerBase test windows"),
    new_form=TestWindowForm,
    create=windows.window_create,
    edit_form=TestWindowEditForm,
    update=windows.window_update,
    columns=["title", "kind", "starts_at", "ends_at", "owner"],
    details=[
        "title",
        "kind",
        "customer",
        "starts_at",
        "ends_at",
        "owner",
        "owner_told_at",
        "report_errors",
        "report_outcome",
        "reported_at",
    ],
    select_related=("owner", "customer__organisation"),
    actions=[
        RecordAction(
            "owner-tell",
            gettext_lazy("E-mail the customer who the test owner is"),
            OwnerTellForm,
            windows.window_owner_tell,
            done=gettext_lazy(
                "The e-mail is on its way to the customer: the clock stops once it is delivered."
            ),
            preview=lambda window: [
                *windows.owner_messages(window, language="ko"),
                *windows.owner_messages(window, language="en"),
            ],
        ),
        RecordAction(
            "owner-told",
            gettext_lazy("Log that the customer was told on the phone who the owner is"),
            OwnerToldForm,
            windows.window_owner_told,
        ),
        RecordAction(
            "report-email",
            gettext_lazy("E-mail the customer report"),
            TestReportEmailForm,
            windows.window_report_email,
            done=gettext_lazy(
                "The e-mail is on its way to the customer: the clock stops once it is delivered."
            ),
            preview=lambda window: [
                message
                for language in ("ko", "en")
                for message in windows.report_messages(
                    window,
                    outcome=OUTCOME_PLACEHOLDER,
                    errors=ERRORS_PLACEHOLDER,
                    language=language,
                )
            ],
        ),
        RecordAction(
            "report",
            gettext_lazy("Record the customer report handed over otherwise"),
            TestReportForm,
            windows.window_report_send,
        ),
    ],
    related=_report_file,
)


def _reschedules(training) -> list:
    lines = [
        f"{change.recorded_at:%Y-%m-%d}: {change.previous_on} → {change.promised_on}"
        f" ({change.get_asked_by_display()}: {change.reason})"
        for change in training.reschedules.all()
    ]
    return [(_("Reschedules"), lines)]


TRAININGS = RecordPages(
    model=Training,
    slug="trainings",
    title=gettext_lazy("Training sessions"),
    new_form=TrainingForm,
    create=trainings.training_create,
    edit_form=TrainingEditForm,
    update=trainings.training_update,
    columns=["topic", "customer", "promised_on", "planned_at", "held_at"],
    details=["topic", "customer", "requested_at", "promised_on", "planned_at", "held_at"],
    select_related=("customer__organisation",),
    prefetch_related=("reschedules",),
    actions=[
        RecordAction(
            "plan-send",
            gettext_lazy("E-mail the plan to the customer"),
            PlanSendForm,
            trainings.training_plan_send,
            done=gettext_lazy(
                "The e-mail is on its way to the customer: the clock stops once it is delivered."
            ),
            preview=lambda training: [
                *trainings.plan_messages(training, summary=PLAN_PLACEHOLDER, language="ko"),
                *trainings.plan_messages(training, summary=PLAN_PLACEHOLDER, language="en"),
            ],
        ),
        RecordAction(
            "plan",
            gettext_lazy("Log the plan told on the phone"),
            PlanForm,
            trainings.training_plan_told,
        ),
        RecordAction(
            "reschedule",
            gettext_lazy("Move the promised day"),
            RescheduleForm,
            trainings.training_reschedule,
        ),
        RecordAction(
            "held", gettext_lazy("Record the session held"), HeldForm, trainings.training_held
        ),
    ],
    related=_reschedules,
)


def _inquiries(delivery) -> list:
    lines = [
        Link(
            f"{inquiry.request.tracking_code} {inquiry.request.subject}",
            reverse("desk:request-detail", args=[inquiry.request_id]),
        )
        for inquiry in delivery.inquiries.select_related("request")
    ]
    return [(_("Questions on this delivery"), lines)]


DELIVERIES = RecordPages(
    model=Delivery,
    slug="deliveries",
    title=gettext_lazy("Material deliveries"),
    new_form=DeliveryForm,
    create=deliveries.delivery_create,
    edit_form=DeliveryEditForm,
    update=deliveries.delivery_update,
    columns=["material", "customer", "delivered_by", "delivered_on"],
    details=["material", "customer", "delivered_by", "delivered_on"],
    select_related=("customer__organisation", "delivered_by"),
    prefetch_related=("inquiries",),
    actions=[
        RecordAction(
            "inquiry",
            gettext_lazy("Record a question on this delivery"),
            InquiryForm,
            lambda record, actor, subject, body: deliveries.delivery_inquiry_open(
                record, subject=subject, body=body, actor=actor
            ),
            done=gettext_lazy("The question was routed to the person who delivered it."),
        ),
    ],
    related=_inquiries,
)


@desk_view
def window_report_file(request, pk: int):
    """The report file of a test window, to the staff of its division, as a download."""
    window = get_object_or_404(TEST_WINDOWS.visible(request.user), pk=pk)
    if not window.report_file:
        raise Http404
    return FileResponse(
        window.report_file.open("rb"),
        as_attachment=True,
        filename=window.report_file.name.rsplit("/", 1)[-1],
    )


app_name = "desk-records"

urlpatterns = [
    path("certificates/import/", certificate_import, name="certificates-import"),
    path("test-windows/<int:pk>/report-file/", window_report_file, name="test-windows-file"),
    *CERTIFICATES.urls(),
    *HANDOVERS.urls(),
    *TEST_WINDOWS.urls(),
    *TRAININGS.urls(),
    *DELIVERIES.urls(),
]
