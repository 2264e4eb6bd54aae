"""The records' staff pages under ``/desk/records/`` (URL names ``desk-records:…``): one
:class:`RecordPages` per record, and the certificates' import."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.models import Division
from requests_desk.desk.forms import add_service_errors
from requests_desk.desk.views.common import desk_view
from requests_desk.models import Certificate
from requests_desk.records import certificates
from requests_desk.records.common import division_allowed
from requests_desk.records.forms import (
    CertificateEditForm,
    CertificateForm,
    GuidanceForm,
    ImportForm,
    PhoneGuidanceForm,
    RenewalForm,
)
from requests_desk.records.imports import certificates_import, certificates_preview, read_table
from requests_desk.records.pages import REGISTRY, RecordAction, RecordPages

IMPORT_SALT = "requests_desk.records.certificate-import"


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


app_name = "desk-records"

urlpatterns = [
    path("certificates/import/", certificate_import, name="certificates-import"),
    *CERTIFICATES.urls(),
]
