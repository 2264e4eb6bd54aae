"""The homepage's forms: a complaint, inquiry or request; following a case; replying to it;
commending an employee. Each carries the honeypot field (:data:`HONEYPOT_FIELD`)."""

from itertools import groupby

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from commitments.memo import catalogue_remembered
from commitments.models import Service, Team
from requests_desk.cases.attachments import (
    CheckedFile,
    TooLarge,
    allowed_extensions,
    attachment_check,
    megabytes,
)
from requests_desk.cases.errors import DeskError
from requests_desk.form_fields import FilesField, model_field
from requests_desk.homepage.services.abuse import HONEYPOT_FIELD
from requests_desk.homepage.services.public import public_team_choices
from requests_desk.models import (
    Commendation,
    CustomerContact,
    Organisation,
    PublicCategory,
    Request,
    UnkindServiceReport,
)
from requests_desk.models.requests import BODY_MAX

NOT_SURE = ""


class HoneypotForm(forms.Form):
    """``website`` (``abuse.HONEYPOT_FIELD``) is a field people never see (hidden, skipped by
    keyboard and screen readers): a bot that fills it is answered as if it had succeeded."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


def consent_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("I agree to the collection and use of my personal data as described above."),
        required=True,
        error_messages={
            "required": _("Please agree to the collection and use of your personal data.")
        },
    )


def service_choices() -> list:
    """ "Not sure" first, then the services grouped by division (in the active language;
    remembered, as plain text, until the catalogue changes)."""
    grouped = catalogue_remembered("public-service-choices", (get_language(),), _service_groups)
    return [(NOT_SURE, _("Not sure — please route it for me")), *grouped]


def _service_groups() -> list:
    return [
        (division.name, [(s.code, s.name) for s in services])
        for division, services in groupby(public_team_choices(), key=lambda s: s.division)
    ]


class ComplaintForm(HoneypotForm):
    """A complaint, inquiry or request: the one definition of this write, read by the homepage
    and by the public API. Each field's limit is its model field's; the cleaned values are
    typed (a :class:`Service` or ``None``, a :class:`CheckedFile` or ``None``)."""

    name = model_field(CustomerContact, "name", label=_("Your name"))
    organisation = model_field(Organisation, "name", label=_("Organisation"))
    email = model_field(
        CustomerContact,
        "email",
        label=_("E-mail"),
        required=True,
        help_text=_(
            "We send your tracking code here; you need it with this e-mail to follow your case."
        ),
    )
    phone = model_field(CustomerContact, "phone", label=_("Phone (optional)"))
    category = forms.ChoiceField(
        label=_("What are you sending?"),
        # A select rather than radios: the error summary links to one control.
        choices=[("", _("Choose…")), *PublicCategory.choices],
    )
    # From the catalogue, set on each form (the API's schema reads the class: a code).
    service = forms.ChoiceField(
        label=_("Which service does it concern?"), required=False, choices=()
    )
    subject = model_field(Request, "subject", label=_("Subject"))
    message = model_field(
        Request,
        "body",
        label=_("Message"),
        required=True,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    occasion = model_field(
        UnkindServiceReport,
        "occasion",
        label=_("When, where and who (unkind service only)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For a report of unkind service: the date and time, the place or phone "
            "line, and what happened."
        ),
    )
    employee_name = model_field(
        UnkindServiceReport,
        "employee_name",
        label=_("Employee's name, if you know it (unkind service only)"),
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("One file of at most %(size)s: %(types)s."),
    )
    consent = consent_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = False
        # A callable: read when the select is drawn or a code is checked, not normalised again
        # on every form.
        self.fields["service"].choices = service_choices
        self.fields["attachment"].help_text = self.fields["attachment"].help_text % {
            "size": megabytes(settings.CHARTER_ATTACHMENT_MAX_BYTES),
            "types": allowed_extensions(),
        }
        self.fields["attachment"].widget.attrs["accept"] = ",".join(
            f".{e}" for e in allowed_extensions().split(", ")
        )

    def clean_service(self) -> Service | None:
        code = self.cleaned_data.get("service")
        if not code:  # "not sure": routed for the customer
            return None
        chosen = {service.code: service for service in public_team_choices()}.get(code)
        if chosen is None:  # gone since the form was shown
            raise forms.ValidationError(
                self.fields["service"].error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": code},
            )
        return chosen

    def clean_attachment(self) -> CheckedFile | None:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        try:
            return CheckedFile(upload, attachment_check(upload))
        except TooLarge as error:
            self.too_large = True
            raise forms.ValidationError(error.messages) from None
        except DeskError as error:
            raise forms.ValidationError(error.messages) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("category") == PublicCategory.UNKIND_SERVICE and not cleaned.get("occasion"):
            self.add_error("occasion", _("Tell us when and where it happened, and who served you."))
        return cleaned

    def forget_file(self) -> None:
        """A browser cannot refill a file input: say so where the file was."""
        if self.files.get("attachment") and "attachment" not in self.errors:
            self.add_error(
                "attachment",
                _("Your file was not kept because the form had errors: please attach it again."),
            )

    def submission(self) -> dict:
        """What :func:`complaint_submit` takes: every field but the honeypot and the consent
        (which the service presupposes)."""
        left_out = {HONEYPOT_FIELD, "consent"}
        return {name: value for name, value in self.cleaned_data.items() if name not in left_out}


class TrackForm(HoneypotForm):
    tracking_code = forms.CharField(
        label=_("Tracking code"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(label=_("E-mail you gave us"), max_length=254)


class MyCasesForm(HoneypotForm):
    email = forms.EmailField(label=_("E-mail you gave us"), max_length=254)


class ReplyForm(HoneypotForm):
    message = forms.CharField(
        label=_("Your message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = FilesField(label=_("Attachments (optional)"))

    @property
    def too_large(self) -> bool:
        return self.fields["files"].too_large

    def forget_files(self) -> None:
        """A browser cannot refill a file input: say so where the files were."""
        if self.files.getlist("files") and "files" not in self.errors:
            self.add_error(
                "files",
                _("Your files were not kept (the form had errors): please attach them again."),
            )


def team_choices() -> list:
    choices: list = [("", _("Choose a team"))]
    teams = Team.objects.select_related("division").order_by("division__code", "code")
    for division, group in groupby(teams, key=lambda t: t.division):
        choices.append((division.name, [(t.code, t.name) for t in group]))
    return choices


class CommendForm(HoneypotForm, forms.ModelForm):
    """A commendation: the model's fields and limits, the team chosen by code (grouped by
    division) and the nominator's consent."""

    team = forms.ChoiceField(label=_("Their division and team"), choices=())
    consent = consent_field()

    class Meta:
        model = Commendation
        fields = [
            "employee_name",
            "team",
            "nominator_name",
            "nominator_organisation",
            "nominator_email",
            "reason",
        ]
        labels = {
            "employee_name": _("Employee's name"),
            "nominator_name": _("Your name"),
            "nominator_organisation": _("Organisation (optional)"),
            "nominator_email": _("E-mail"),
            "reason": _("What did they do well?"),
        }
        widgets = {"reason": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = team_choices()

    def clean_team(self) -> Team:
        return Team.objects.select_related("division", "manager").get(
            code=self.cleaned_data["team"]
        )

    def cleaned_data_for_service(self) -> dict:
        """What :func:`commendation_submit` takes: the commendation's fields (the consent it
        presupposes is this form's)."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}
