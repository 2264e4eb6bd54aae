"""The records' forms: each field the model's own (:func:`model_field`), shown for the desk.

The services check the rules (``full_clean``) and raise ``DeskError``; the pages put those
errors back on the fields (``add_service_errors``), so nothing typed is lost."""

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.access import divisions_of
from commitments.models import Service
from requests_desk.desk.forms import (
    DateInput,
    DateTimeLocalInput,
    NamedChoiceField,
    UserChoiceField,
    desk_users,
    divisions_by_code,
)
from requests_desk.form_fields import model_field
from requests_desk.models import (
    Certificate,
    CertificateRenewal,
    CustomerContact,
    Delivery,
    Handover,
    Organisation,
    Request,
    TestWindow,
    Training,
    TrainingReschedule,
)
from requests_desk.models.records import TITLE_MAX, Language


class RecordForm(forms.Form):
    """A record's form: the division among the user's (and the people of those divisions)."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        divisions = divisions_of(user) if user is not None else None
        if "division" in self.fields:
            self.fields["division"].queryset = divisions_by_code(divisions)
        for name in ("outgoing", "incoming", "owner", "delivered_by"):
            if name in self.fields:
                self.fields[name].queryset = desk_users(divisions)
        if "services" in self.fields and divisions is not None:
            self.fields["services"].queryset = Service.objects.filter(division__in=divisions)

    def service_arguments(self) -> dict:
        """The cleaned data as the service's keyword arguments."""
        return dict(self.cleaned_data)


def division_field():
    return NamedChoiceField(queryset=divisions_by_code(), label=_("Division"))


class CustomerFields(RecordForm):
    """The customer a record names, found by e-mail at their organisation or created."""

    organisation = model_field(Organisation, "name", label=_("Organisation"))
    customer_name = model_field(CustomerContact, "name", label=_("Contact name"))
    email = model_field(CustomerContact, "email", label=_("E-mail"), required=True)
    phone = model_field(CustomerContact, "phone", label=_("Phone"))

    #: The service's field names for the contact's errors.
    ERROR_FIELDS = {"name": "customer_name", "organisation": "organisation"}

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["customer"] = {
            "name": data.pop("customer_name"),
            "organisation": data.pop("organisation"),
            "email": data.pop("email"),
            "phone": data.pop("phone"),
        }
        return data


# --- certificates ----------------------------------------------------------------------------


class CertificateForm(CustomerFields):
    division = division_field()
    product = model_field(Certificate, "product", label=_("Product"))
    serial = model_field(Certificate, "serial", label=_("Serial number"))
    expires_on = model_field(Certificate, "expires_on", label=_("Expires on"), widget=DateInput())
    language = model_field(Certificate, "language", label=_("Customer's language"))


class CertificateEditForm(RecordForm):
    product = model_field(Certificate, "product", label=_("Product"))
    serial = model_field(Certificate, "serial", label=_("Serial number"))
    language = model_field(Certificate, "language", label=_("Customer's language"))


class GuidanceForm(RecordForm):
    channels = forms.MultipleChoiceField(
        label=_("Send by"),
        choices=[("email", _("E-mail")), ("sms", _("SMS"))],
        initial=["email", "sms"],
        widget=forms.CheckboxSelectMultiple,
    )


class PhoneGuidanceForm(RecordForm):
    at = forms.DateTimeField(label=_("Called at"), widget=DateTimeLocalInput())
    told_person = forms.CharField(label=_("Person told"), max_length=100)


class RenewalForm(RecordForm):
    expires_on = model_field(
        CertificateRenewal, "expires_on", label=_("New expiry"), widget=DateInput()
    )


class ImportForm(RecordForm):
    division = division_field()
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: organisation, contact_name, email, phone, product, serial, expires_on"
            " (YYYY-MM-DD), language (ko/en), division (code; default the one chosen here)."
        ),
    )


# --- handovers -------------------------------------------------------------------------------


class HandoverForm(RecordForm):
    division = division_field()
    outgoing = UserChoiceField(queryset=desk_users(), label=_("Outgoing person"))
    incoming = UserChoiceField(queryset=desk_users(), label=_("Incoming person"))
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.all(), label=_("Services"), widget=forms.CheckboxSelectMultiple
    )
    parallel_from = model_field(
        Handover, "parallel_from", label=_("Parallel operation from"), widget=DateInput()
    )
    parallel_until = model_field(
        Handover, "parallel_until", label=_("Parallel operation until"), widget=DateInput()
    )
    target_minutes = model_field(Handover, "target_minutes", label=_("Drill target (minutes)"))


class HandoverEditForm(RecordForm):
    target_minutes = model_field(Handover, "target_minutes", label=_("Drill target (minutes)"))


class DrillForm(RecordForm):
    drill_on = model_field(
        Handover, "drill_on", label=_("Drill held on"), required=True, widget=DateInput()
    )
    drill_accuracy = model_field(
        Handover, "drill_accuracy", label=_("Procedure accuracy (%)"), required=True
    )
    drill_minutes = model_field(
        Handover, "drill_minutes", label=_("Measured time (minutes)"), required=True
    )
    target_minutes = model_field(
        Handover, "target_minutes", label=_("Target time (minutes)"), required=True
    )


class ReportForm(RecordForm):
    summary = forms.CharField(
        label=_("What the customers were told"), max_length=2000, widget=forms.Textarea
    )


# --- test windows ----------------------------------------------------------------------------


class TestWindowForm(RecordForm):
    division = division_field()
    kind = model_field(TestWindow, "kind", label=_("Kind"))
    title = model_field(TestWindow, "title", label=_("Title"))
    starts_at = model_field(
        TestWindow, "starts_at", label=_("Starts at"), widget=DateTimeLocalInput()
    )
    ends_at = model_field(TestWindow, "ends_at", label=_("Ends at"), widget=DateTimeLocalInput())
    owner = UserChoiceField(queryset=desk_users(), label=_("Test owner"))


class TestWindowEditForm(RecordForm):
    title = model_field(TestWindow, "title", label=_("Title"))


def language_field():
    """The language the customer is written to in: Korean unless English is chosen."""
    return forms.ChoiceField(
        label=_("Customer's language"),
        choices=Language.choices,
        initial=Language.KOREAN,
        required=False,
        help_text=_("The message is written from the template in this language."),
    )


class OwnerTellForm(RecordForm):
    language = language_field()


class OwnerToldForm(RecordForm):
    at = forms.DateTimeField(label=_("Called at"), widget=DateTimeLocalInput())
    told_person = forms.CharField(label=_("Person told"), max_length=100)


class TestReportEmailForm(RecordForm):
    report_errors = model_field(TestWindow, "report_errors", label=_("Errors found"))
    report_outcome = model_field(TestWindow, "report_outcome", label=_("Outcome"), required=True)
    report_file = model_field(TestWindow, "report_file", label=_("Report file"))
    language = language_field()


class TestReportForm(RecordForm):
    at = forms.DateTimeField(label=_("Report sent at"), widget=DateTimeLocalInput())
    report_errors = model_field(TestWindow, "report_errors", label=_("Errors found"))
    report_outcome = model_field(TestWindow, "report_outcome", label=_("Outcome"), required=True)
    report_file = model_field(TestWindow, "report_file", label=_("Report file"))


# --- trainings -------------------------------------------------------------------------------


class TrainingForm(CustomerFields):
    division = division_field()
    topic = model_field(Training, "topic", label=_("Topic"))
    requested_at = model_field(
        Training, "requested_at", label=_("Requested at"), widget=DateTimeLocalInput()
    )
    promised_on = model_field(Training, "promised_on", label=_("Promised day"), widget=DateInput())


class TrainingEditForm(RecordForm):
    topic = model_field(Training, "topic", label=_("Topic"))


class PlanSendForm(RecordForm):
    summary = forms.CharField(label=_("The plan"), max_length=TITLE_MAX * 10, widget=forms.Textarea)
    language = language_field()


class PlanForm(RecordForm):
    at = forms.DateTimeField(label=_("Called at"), widget=DateTimeLocalInput())
    summary = forms.CharField(label=_("The plan"), max_length=TITLE_MAX * 10, widget=forms.Textarea)


class HeldForm(RecordForm):
    at = forms.DateTimeField(label=_("Held at"), widget=DateTimeLocalInput())


class RescheduleForm(RecordForm):
    promised_on = model_field(
        TrainingReschedule, "promised_on", label=_("New day"), widget=DateInput()
    )
    asked_by = model_field(TrainingReschedule, "asked_by", label=_("Asked by"))
    reason = model_field(TrainingReschedule, "reason", label=_("Reason"))


# --- deliveries ------------------------------------------------------------------------------


class DeliveryForm(CustomerFields):
    division = division_field()
    material = model_field(Delivery, "material", label=_("Material"))
    delivered_by = UserChoiceField(queryset=desk_users(), label=_("Delivered by"))
    delivered_on = model_field(
        Delivery, "delivered_on", label=_("Delivered on"), widget=DateInput()
    )


class DeliveryEditForm(RecordForm):
    material = model_field(Delivery, "material", label=_("Material"))


class InquiryForm(RecordForm):
    subject = model_field(Request, "subject", label=_("Subject"))
    body = model_field(Request, "body", label=_("Question"), required=True)
